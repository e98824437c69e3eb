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
  for (const op of ops) {
    if (op.op === 'extract') {
      (await state.at(resized ? 'postExtract' : 'preExtract')).extract(op.rect);
      continue;
    }
    // Exact target sizes come from the plan, so sharp's shrink-on-load (JPEG, WebP, SVG) applies.
    const image = await state.at(op.fit === 'cover' ? 'cropEmbed' : 'resize');
    image.resize({
      width: op.width,
      height: op.height,
      fit: op.fit,
      ...(op.position === undefined ? {} : { position: op.position }),
      ...(op.withoutReduction ? { withoutReduction: true } : {}),
    });
    resized = true;
  }
  state.width = plan.width;
  state.height = plan.height;
}

/** An SVG rasterised at a higher density may come out a pixel off the planned size: pin it. */
function withVectorFit(state: RenderState, ops: GeometryOp[], size: { width: number; height: number }): GeometryOp[] {
  if (state.source.density === undefined || ops.length > 0 || state.spec.c === 'crop') return ops;
  if (state.source.density === 72) return ops;
  return [{ op: 'resize', width: size.width, height: size.height, fit: 'fill' }];
}
