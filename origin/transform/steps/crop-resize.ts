import { opsOnMezzanine } from '../../ladder/select.ts';
import { planGeometry, type GeometryOp } from '../geometry.ts';
import { checkOutputSize } from '../output-limits.ts';
import type { RenderState } from '../render-types.ts';

/** `c` with `w`, `h`, `ar`, `g`, `fp`, `x`, `y`: replays the geometry plan on sharp. */
export async function cropResize(state: RenderState): Promise<void> {
  // From a mezzanine, the plan is made on the original's size (crops, focal points and the output
  // size mean the same as from the original) and replayed in the mezzanine's coordinates.
  const planned = state.original ?? state;
  const plan = planGeometry(planned, state.spec, { animated: state.frames > 1, maxOutputDimension: state.limits.maxOutputDimension });
  checkOutputSize(plan, state.frames, state.limits, state.format);
  state.pad = plan.pad;
  const ops = state.original ? opsOnMezzanine(plan, state, state.original) : withVectorFit(state, plan.ops, plan);
  if (ops.length === 0) return;
  let resized = false;
  let current = { width: state.width, height: state.height };
  // A mezzanine is already scaled once: its JPEG pre-shrink always leaves at least 2 × to the
  // resize kernel. With sharp's fast pre-shrink a 3 × reduction (c_fill,w_400,h_400 from 1600 px)
  // decoded at half size, then scaled 1.5 ×, and lost 0.12 dB against the direct render; with
  // this it gained 0.08, for ~4 ms more CPU there (README, Render ladder).
  const fromMezzanine = state.original !== undefined;
  // WebP and SVG scale on load by a fraction, frames stack, and a quarter-turn in the same pipeline
  // makes sharp read a lone side as the other: there sharp may derive another size, so both sides stay.
  const uniformAllowed =
    state.frames === 1 &&
    state.source.format !== 'webp' &&
    state.source.density === undefined &&
    (state.spec.a === undefined || state.spec.a === 180);
  for (const op of ops) {
    if (op.op === 'extract') {
      (await state.at(resized ? 'postExtract' : 'preExtract')).extract(op.rect);
      current = { width: op.rect.width, height: op.rect.height };
      continue;
    }
    // Exact target sizes come from the plan, so sharp's shrink-on-load (JPEG, WebP, SVG) applies.
    const image = await state.at(op.fit === 'cover' ? 'cropEmbed' : 'resize');
    const uniform = uniformAllowed && op.fit === 'fill' ? uniformSide(current, op, !fromMezzanine) : undefined;
    image.resize({
      ...(uniform ?? {
        width: op.width,
        height: op.height,
        fit: op.fit,
        ...(op.position === undefined ? {} : { position: op.position }),
        ...(op.withoutReduction ? { withoutReduction: true } : {}),
      }),
      ...(fromMezzanine ? { fastShrinkOnLoad: false } : {}),
    });
    current = { width: op.width, height: op.height };
    resized = true;
  }
  state.width = plan.width;
  state.height = plan.height;
}

/** The JPEG DCT pre-shrink sharp picks for a shrink factor (src/pipeline.cc); `fast` is fastShrinkOnLoad. */
function jpegShrinkOnLoad(shrink: number, fast: boolean): number {
  const leave = fast ? 1 : 2;
  let onLoad = shrink >= 8 * leave ? 8 : shrink >= 4 * leave ? 4 : shrink >= 2 * leave ? 2 : 1;
  // sharp halves it where libjpeg's rounding would leave too little for the resize.
  if (onLoad > 1 && Math.trunc(shrink) === onLoad) onLoad /= 2;
  return onLoad;
}

/**
 * A resize that keeps the aspect (the plan rounded the other side) is given to sharp by one side,
 * so both axes get the same scale: with both sides and `fit: 'fill'` the rounded side is stretched
 * by up to half a pixel, which cost up to 0.8 dB of PSNR against a uniform resize (w_650 of the
 * 12 MP photo; bench/README.md, quality guard). Used only where the derived side comes out as the
 * plan's however sharp and libvips round it: with or without the JPEG pre-shrink (whose decoded
 * size may round up or down), and never at an exact half. Otherwise both sides, as before.
 */
export function uniformSide(
  current: { width: number; height: number },
  target: { width: number; height: number },
  fastShrinkOnLoad = true,
): { width: number } | { height: number } | undefined {
  const derives = (along: number, across: number, to: number, expected: number) => {
    const shrink = jpegShrinkOnLoad(along / to, fastShrinkOnLoad);
    const loaded =
      shrink === 1
        ? [[along, across]]
        : [[along, across], ...[Math.ceil, Math.floor].map((round) => [round(along / shrink), round(across / shrink)])];
    return loaded.every(([alongLoaded = 1, acrossLoaded = 1]) => {
      const derived = (acrossLoaded * to) / alongLoaded;
      // An exact half rounds either way in libvips' floating point (w_146 of a 4032 × 3024 JPEG: 109).
      return Math.abs((derived % 1) - 0.5) > 1e-6 && Math.round(derived) === expected;
    });
  };
  if (derives(current.width, current.height, target.width, target.height)) return { width: target.width };
  if (derives(current.height, current.width, target.height, target.width)) return { height: target.height };
  return undefined;
}

/** An SVG rasterised at a higher density may come out a pixel off the planned size: pin it. */
function withVectorFit(state: RenderState, ops: GeometryOp[], size: { width: number; height: number }): GeometryOp[] {
  if (state.source.density === undefined || ops.length > 0 || state.spec.c === 'crop') return ops;
  if (state.source.density === 72) return ops;
  return [{ op: 'resize', width: size.width, height: size.height, fit: 'fill' }];
}
