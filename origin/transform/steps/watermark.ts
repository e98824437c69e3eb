import sharp, { type OverlayOptions } from 'sharp';
import { fail, isPixelfrontError } from '../../../core/errors.ts';
import { placeByGravity } from '../geometry.ts';
import type { RenderState } from '../render-types.ts';

/** Gap between the watermark and the output's edges, as a fraction of the shorter side. */
const marginFraction = 0.02;
/** A watermark is an overlay, not a photo: refuse absurd ones before decoding. */
const maxWatermarkPixels = 25_000_000;

/** `wm`: the tenant's overlay, scaled to a share of the output width, faded, placed by gravity. */
export async function watermark(state: RenderState): Promise<void> {
  const spec = state.spec.wm;
  if (!spec) return;
  const started = performance.now();
  const bytes = state.loadWatermark ? await state.loadWatermark(spec.name) : null;
  if (!bytes) throw fail('not_found', `watermark ${spec.name} not found`);

  const margin = Math.round(Math.min(state.width, state.height) * marginFraction);
  const room = { width: Math.max(1, state.width - 2 * margin), height: Math.max(1, state.height - 2 * margin) };
  const overlay = await decodeOverlay(state, bytes, spec.name, {
    width: Math.min(room.width, Math.max(1, Math.round((state.width * spec.scale) / 100))),
    height: room.height,
  });
  fade(overlay.data, spec.opacity);

  const { left, top } = placeByGravity(room, overlay, spec.gravity);
  const layers: OverlayOptions[] = Array.from({ length: state.frames }, (_, frame) => ({
    input: overlay.data,
    raw: { width: overlay.width, height: overlay.height, channels: 4 },
    left: margin + left,
    // Animated images are frames stacked vertically: one layer per frame.
    top: frame * state.height + margin + top,
  }));
  (await state.at('composite')).composite(layers);
  state.timings.watermark = performance.now() - started;
}

async function decodeOverlay(
  state: RenderState,
  bytes: Buffer,
  name: string,
  box: { width: number; height: number },
): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await state.run(
      sharp(bytes, { failOn: 'warning', limitInputPixels: maxWatermarkPixels })
        .autoOrient()
        .resize({ width: box.width, height: box.height, fit: 'inside' })
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    );
    return { data, width: info.width, height: info.height };
  } catch (error) {
    if (isPixelfrontError(error) && error.code === 'unavailable') throw error;
    throw fail('corrupt_image', `watermark ${name} could not be decoded`, { cause: error });
  }
}

/** Opacity multiplies the overlay's own alpha. */
function fade(rgba: Buffer, opacity: number): void {
  if (opacity >= 100) return;
  const factor = opacity / 100;
  for (let index = 3; index < rgba.length; index += 4) {
    rgba[index] = Math.round((rgba[index] ?? 0) * factor);
  }
}
