/**
 * What `w_auto` and `dpr_auto` combine with (issue 19, SPEC section 8). A width hint is in device
 * pixels already, so `w_auto` takes no `dpr`; it does not apply to `c_crop`, whose region is in
 * source pixels. `dpr_auto` multiplies an explicit `w`/`h` and means nothing without one, so it
 * is dropped then, like `dpr_2` alone.
 */
import type { TransformSpec } from '../transform-spec.ts';
import { invalid, itemLabel, type ItemSet } from './items.ts';
import { isDefaultValue } from './ops.ts';

export type HintedParts = Pick<TransformSpec, 'wAuto' | 'dprAuto' | 'h' | 'ar'>;

/** Throws 400 for a combination the hints cannot serve; returns what the spec keeps of w_auto and dpr_auto. */
export function checkHintRules(set: ItemSet): Pick<TransformSpec, 'wAuto' | 'dprAuto'> {
  const { c, w, h, dpr } = set.ops;
  const autoWidth = w !== undefined && typeof w.value !== 'number' ? w.value : undefined;
  if (w !== undefined && autoWidth !== undefined) {
    if (c?.value === 'crop') invalid(`${itemLabel(w)}: w_auto does not apply to c_crop (its region is in source pixels)`);
    if (dpr !== undefined && !isDefaultValue('dpr', dpr.value)) {
      invalid(`${itemLabel(w)}: the width hint is in device pixels already, so w_auto takes no dpr (${itemLabel(dpr)})`);
    }
    return { wAuto: autoWidth.fallback };
  }
  const sized = w !== undefined || h !== undefined;
  return dpr?.value === 'auto' && sized ? { dprAuto: true } : {};
}

/**
 * The box of a `w_auto` spec: the width stays open, an explicit `h` stays as written (no dpr can
 * apply), and `ar` stays to derive the height from the width once a request gives it.
 */
export function autoWidthBox(set: ItemSet, wAuto: number): HintedParts {
  const { h, ar } = set.ops;
  return { wAuto, ...(h === undefined ? {} : { h: h.value }), ...(ar === undefined ? {} : { ar: ar.value }) };
}
