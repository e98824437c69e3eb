import type { TransformSpec } from '../../core/transform-spec.ts';
import { largestOfAspect, planGeometry, type GeometryOp, type GeometryPlan } from '../transform/geometry.ts';
import { ladderable, type LadderSource, type Rung } from './rungs.ts';

/**
 * Which source a render decodes: the smallest stored mezzanine that still holds at least
 * LADDER_OVERSAMPLE × the output's pixels along each axis of the region of the source the output
 * is made from, else the original. Pure: the geometry is planned on the original's oriented size
 * (dpr is already folded into w/h by the grammar), so crops, gravity and focal points pick the
 * same region whichever source is decoded.
 */

/** At 2 × the ladder render scored as well as the direct one; at 1.25 × it lost 0.4–0.6 dB (README, Render ladder). */
export const LADDER_OVERSAMPLE = 2;

interface Size {
  width: number;
  height: number;
}

/** The part of the original an output is made from, and the output's size (before pad). */
export interface RegionNeeded {
  region: Size;
  output: Size;
}

/** Follows the plan's ops: extracts and cover-resizes narrow the region, resizes only change the size. */
export function regionNeeded(source: Size, plan: GeometryPlan): RegionNeeded {
  let region: Size = { width: source.width, height: source.height };
  let size: Size = { ...region };
  for (const op of plan.ops) {
    if (op.op === 'extract') {
      // The rect is in the coordinates of the image as it stands: scale it back onto the source.
      region = { width: (region.width * op.rect.width) / size.width, height: (region.height * op.rect.height) / size.height };
      size = { width: op.rect.width, height: op.rect.height };
    } else if (op.fit === 'cover') {
      const kept = op.withoutReduction ? { width: op.width, height: op.height } : largestOfAspect(size, op.width / op.height);
      region = { width: (region.width * kept.width) / size.width, height: (region.height * kept.height) / size.height };
      size = { width: op.width, height: op.height };
    } else {
      size = { width: op.width, height: op.height };
    }
  }
  return { region, output: { width: plan.width, height: plan.height } };
}

/** Whether a rung holds LADDER_OVERSAMPLE × the output along both axes of the region. */
export function rungServes(source: Size, rung: Size, needed: RegionNeeded): boolean {
  const across = (needed.region.width * rung.width) / source.width;
  const down = (needed.region.height * rung.height) / source.height;
  return across >= LADDER_OVERSAMPLE * needed.output.width && down >= LADDER_OVERSAMPLE * needed.output.height;
}

/**
 * The mezzanine to render from, or undefined for the original. `present` are the rungs stored for
 * this image; animated and vector sources always render from the original.
 */
export function chooseRung(
  source: LadderSource,
  present: readonly Rung[],
  spec: TransformSpec,
  options: { maxOutputDimension: number },
): Rung | undefined {
  if (!ladderable(source) || present.length === 0) return undefined;
  const plan = planGeometry(source, spec, { animated: false, maxOutputDimension: options.maxOutputDimension });
  const needed = regionNeeded(source, plan);
  return [...present].sort((a, b) => a.size - b.size).find((rung) => rungServes(source, rung, needed));
}

/**
 * Replays a plan made on the original's size on a mezzanine `scale` times smaller per axis:
 * extracts before the first resize are in source coordinates and are scaled; resizes and what
 * follows them are in output coordinates and stay. The output keeps the planned size exactly.
 */
export function opsOnMezzanine(plan: GeometryPlan, mezzanine: Size, original: Size): GeometryOp[] {
  const kx = mezzanine.width / original.width;
  const ky = mezzanine.height / original.height;
  const ops: GeometryOp[] = [];
  let resized = false;
  for (const op of plan.ops) {
    if (op.op === 'resize') resized = true;
    if (op.op !== 'extract' || resized) {
      ops.push(op);
      continue;
    }
    const left = Math.min(mezzanine.width - 1, Math.round(op.rect.left * kx));
    const top = Math.min(mezzanine.height - 1, Math.round(op.rect.top * ky));
    ops.push({
      op: 'extract',
      rect: {
        left,
        top,
        width: Math.max(1, Math.min(mezzanine.width - left, Math.round(op.rect.width * kx))),
        height: Math.max(1, Math.min(mezzanine.height - top, Math.round(op.rect.height * ky))),
      },
    });
  }
  // Only a resize brings the mezzanine back to the planned size.
  if (!resized) ops.push({ op: 'resize', width: plan.width, height: plan.height, fit: 'fill' });
  return ops;
}
