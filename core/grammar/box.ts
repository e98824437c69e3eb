/**
 * `ar` alone (no `w`/`h`) stays in the canonical spec because its box depends on the source:
 * `c_fill` takes the largest box of that ratio inside the source, `c_pad` the smallest one
 * around it. Renderers call this with the oriented source size to get a concrete box; with
 * `maxOutputDimension` such a derived box is scaled down, keeping the ratio, to respect the limit;
 * a box that would then have a side of 1 px or less (where the source has more) is refused.
 */
import { fail } from '../errors.ts';
import type { TransformSpec } from '../transform-spec.ts';

export function targetBox(
  spec: TransformSpec,
  source: { width: number; height: number },
  maxOutputDimension = Infinity,
): { w?: number; h?: number } {
  if (spec.ar === undefined || spec.w !== undefined || spec.h !== undefined) {
    return { ...(spec.w === undefined ? {} : { w: spec.w }), ...(spec.h === undefined ? {} : { h: spec.h }) };
  }
  const [p, q] = spec.ar;
  const wider = source.width * q > source.height * p; // source is wider than the ratio
  const inside = spec.c === 'fill';
  const [w, h] = wider === inside ? [(source.height * p) / q, source.height] : [source.width, (source.width * q) / p];
  const scale = Math.min(1, maxOutputDimension / Math.max(w, h));
  const box = { w: Math.round(w * scale), h: Math.round(h * scale) };
  // A side of 1 px or less where the source has more is the ratio's doing, not a picture (SPEC §8).
  if ((box.w <= 1 && source.width > 1) || (box.h <= 1 && source.height > 1)) {
    throw fail(
      'invalid_transform',
      `ar_${p}:${q}: on this ${source.width}x${source.height} source the c_${spec.c ?? 'fit'} box would be ${Math.max(box.w, 0)}x${Math.max(box.h, 0)}, a side of 1 px or less`,
    );
  }
  return { w: Math.max(1, box.w), h: Math.max(1, box.h) };
}
