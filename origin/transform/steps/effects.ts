import type { Effect } from '../../../core/transform-spec.ts';
import type { RenderState } from '../render-types.ts';

/** Rec. 709 luma weights; recomb keeps three bands, so later pads and watermarks stay in colour. */
const lumaRow: [number, number, number] = [0.2126, 0.7152, 0.0722];
const grayscaleMatrix: [[number, number, number], [number, number, number], [number, number, number]] = [lumaRow, lumaRow, lumaRow];

/** `e` items in their canonical order (blur, grayscale, sharpen: also sharp's internal order). */
export async function effects(state: RenderState): Promise<void> {
  for (const effect of state.spec.e ?? []) await applyEffect(state, effect);
}

async function applyEffect(state: RenderState, effect: Effect): Promise<void> {
  switch (effect.name) {
    case 'blur':
      (await state.at('blur')).blur(effect.sigma);
      return;
    case 'grayscale':
      (await state.at('recomb')).recomb(grayscaleMatrix);
      return;
    case 'sharpen':
      (await state.at('sharpen')).sharpen(effect.sigma === undefined ? undefined : { sigma: effect.sigma });
      return;
  }
}
