import type { Rgba } from '../colour.ts';
import { opaque, parseBackground } from '../colour.ts';
import type { RenderState } from '../render-types.ts';

interface Placement {
  canvasWidth: number;
  canvasHeight: number;
  left: number;
  top: number;
}

/**
 * `b`: pads onto the `c_pad` canvas (laid out before the turn, applied in the turned frame), then
 * flattens alpha onto the background when the output is JPEG. JPEG never gets a transparent pad.
 */
export async function padFlatten(state: RenderState): Promise<void> {
  const colour = state.format === 'jpeg' ? opaque(parseBackground(state.spec.b)) : parseBackground(state.spec.b);
  await pad(state, colour);
  flatten(state, colour);
}

async function pad(state: RenderState, colour: Rgba): Promise<void> {
  if (!state.pad) return;
  const place = turned(state, state.spec.a ?? 0);
  const image = await state.at('extend');
  // A grey source would turn a coloured pad grey: process it as sRGB instead.
  if (state.source.grey && !(colour.r === colour.g && colour.g === colour.b)) image.pipelineColourspace('srgb');
  image.extend({
    left: place.left,
    top: place.top,
    right: place.canvasWidth - place.left - state.width,
    bottom: place.canvasHeight - place.top - state.height,
    background: colour,
  });
  state.width = place.canvasWidth;
  state.height = place.canvasHeight;
  if (colour.alpha < 1) state.hasAlpha = true;
}

/** The pre-rotation placement of the image on the canvas, turned clockwise by `angle`. */
function turned(state: RenderState, angle: number): Placement {
  const { width: cw, height: ch, left, top } = state.pad ?? { width: 0, height: 0, left: 0, top: 0 };
  // state.width/height are already turned; the pre-rotation image size is their swap for 90/270.
  const quarter = angle === 90 || angle === 270;
  const iw = quarter ? state.height : state.width;
  const ih = quarter ? state.width : state.height;
  switch (angle) {
    case 90:
      return { canvasWidth: ch, canvasHeight: cw, left: ch - (top + ih), top: left };
    case 180:
      return { canvasWidth: cw, canvasHeight: ch, left: cw - (left + iw), top: ch - (top + ih) };
    case 270:
      return { canvasWidth: ch, canvasHeight: cw, left: top, top: cw - (left + iw) };
    default:
      return { canvasWidth: cw, canvasHeight: ch, left, top };
  }
}

/** Flattening is linear in premultiplied space, so sharp running it before the resize is exact enough. */
function flatten(state: RenderState, colour: Rgba): void {
  if (state.format !== 'jpeg' || !state.hasAlpha) return;
  state.current().flatten({ background: opaque(colour) });
  state.hasAlpha = false;
}
