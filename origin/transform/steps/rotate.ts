import sharp from 'sharp';
import type { RenderState } from '../render-types.ts';

/** `a`: a quarter-turn clockwise after crop/resize, so `w_400,a_90` ends 400 high. */
export async function rotate(state: RenderState): Promise<void> {
  const angle = state.spec.a;
  if (angle === undefined) return;
  if (state.frames > 1 && angle !== 180) {
    await rotateFrames(state, angle);
    return;
  }
  (await state.at('rotate')).rotate(angle);
  if (angle !== 180) [state.width, state.height] = [state.height, state.width];
}

/** libvips cannot quarter-turn a multi-page image, so the frames turn one by one (sizes follow the raw). */
async function rotateFrames(state: RenderState, angle: number): Promise<void> {
  const raw = await state.materialise();
  const frameBytes = raw.width * raw.height * raw.channels;
  const turned = await state.run(
    Promise.all(
      Array.from({ length: raw.frames }, (_, frame) =>
        sharp(raw.data.subarray(frame * frameBytes, (frame + 1) * frameBytes), {
          raw: { width: raw.width, height: raw.height, channels: raw.channels },
        })
          .rotate(angle)
          .raw()
          .toBuffer(),
      ),
    ),
  );
  state.continueFrom({ ...raw, data: Buffer.concat(turned), width: raw.height, height: raw.width });
}
