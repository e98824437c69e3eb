/**
 * Step two of parsing: the rules between items (which ops go with which crop mode, `fp` vs `g`,
 * `ar` and `dpr` folded into the box, the output-size limit) and the canonical TransformSpec
 * with defaults removed.
 */
import type { CropMode, TransformSpec } from '../transform-spec.ts';
import { invalid, itemLabel, type Item, type ItemSet, type SingleKey } from './items.ts';
import { checkFlagRules } from './flag-rules.ts';
import { autoWidthBox, checkHintRules } from './hint-rules.ts';
import { isDefaultValue, type OpValues } from './ops.ts';
import type { Limits } from './validators.ts';

/** A present item whose value is not the default, i.e. one that changes the output. */
function effective<K extends SingleKey>(item: Item<K> | undefined): Item<K> | undefined {
  return item !== undefined && !isDefaultValue(item.key, item.value) ? item : undefined;
}

function checkModeRules(set: ItemSet, mode: CropMode): void {
  const { g, fp, x, y, dpr, w, h, ar } = set.ops;
  if (fp !== undefined && g !== undefined) invalid(`${itemLabel(fp)}: fp excludes g (${itemLabel(g)})`);
  if (fp !== undefined && mode !== 'fill') invalid(`${itemLabel(fp)}: fp applies only to c_fill`);
  const gravity = effective(g);
  if (gravity !== undefined && mode !== 'fill' && mode !== 'pad') {
    invalid(
      `${itemLabel(gravity)}: g applies only to c_fill and c_pad${mode === 'crop' ? ' (c_crop places the region with x and y)' : ''}`,
    );
  }
  for (const offset of [x, y]) {
    if (offset !== undefined && mode !== 'crop') invalid(`${itemLabel(offset)}: ${offset.key} applies only to c_crop`);
  }
  const scale = effective(dpr);
  if (scale !== undefined && mode === 'crop') invalid(`${itemLabel(scale)}: dpr does not apply to c_crop (its region is in source pixels)`);
  const sized = w !== undefined || h !== undefined;
  if (mode === 'crop' && (w === undefined || h === undefined) && !(sized && ar !== undefined)) {
    invalid(`c_crop needs w and h (or one of them with ar)`);
  }
  if ((mode === 'fill' || mode === 'pad') && !sized && ar === undefined) invalid(`c_${mode} needs w, h or ar`);
  if (mode === 'scale' && !sized) invalid('c_scale needs w or h');
}

interface Box {
  w?: number;
  h?: number;
  ar?: [number, number];
}

/**
 * Folds `dpr` into w/h, derives the missing side from `ar`, and enforces the output limit. For
 * `w_auto` the fallback width stands in (so `w_auto:8000,ar_1:2` is refused like `w_8000,ar_1:2`)
 * and `dpr_auto` counts as 1: the hints are applied per request (core/client-hints.ts).
 */
function resolveBox(set: ItemSet, mode: CropMode, limits: Limits): Box {
  const { w, h, ar, dpr } = set.ops;
  // dpr has one decimal: scale by integers so x.5 rounds the same way on every runtime.
  const tenths = typeof dpr?.value === 'number' ? Math.round(dpr.value * 10) : 10;
  const sideValue = (value: OpValues['w']) => (typeof value === 'number' ? value : value.fallback);
  const scaled = (side: Item<'w'> | Item<'h'> | undefined) =>
    side === undefined ? undefined : Math.round((sideValue(side.value) * tenths) / 10);
  let width = scaled(w);
  let height = scaled(h);
  if (ar !== undefined) {
    const [p, q] = ar.value;
    if (width !== undefined && height !== undefined) invalid(`${itemLabel(ar)}: ar needs only one of w and h (both are given)`);
    if (width !== undefined) height = Math.max(1, Math.round((width * q) / p));
    else if (height !== undefined) width = Math.max(1, Math.round((height * p) / q));
    else if (mode !== 'fill' && mode !== 'pad') invalid(`${itemLabel(ar)}: ar without w or h needs c_fill or c_pad`);
    else return { ar: ar.value };
  }
  const max = limits.maxOutputDimension;
  // Name every item that produced the side: itself, or the other side when ar derived it.
  const culprit = (side: Item<'w'> | Item<'h'> | undefined, other: Item<'w'> | Item<'h'> | undefined) =>
    [side ?? other, dpr, side === undefined ? ar : undefined]
      .filter((item) => item !== undefined)
      .map((item) => itemLabel(item))
      .join(',');
  if (width !== undefined && width > max) invalid(`${culprit(w, h)}: output width ${width} exceeds the maximum ${max}`);
  if (height !== undefined && height > max) invalid(`${culprit(h, w)}: output height ${height} exceeds the maximum ${max}`);
  return { ...(width === undefined ? {} : { w: width }), ...(height === undefined ? {} : { h: height }) };
}

function valueOf<K extends SingleKey>(item: Item<K> | undefined): OpValues[K] | undefined {
  return effective(item)?.value;
}

/** Applies the cross-item rules and returns the canonical spec (defaults absent). */
export function resolveSpec(set: ItemSet, limits: Limits): TransformSpec {
  const mode = set.ops.c?.value ?? 'fit';
  checkModeRules(set, mode);
  checkFlagRules(set);
  const { wAuto, dprAuto } = checkHintRules(set);
  const fixedBox = resolveBox(set, mode, limits);
  const box = wAuto === undefined ? fixedBox : autoWidthBox(set, wAuto);
  const effects = [...set.effects.values()].map((item) => item.value).sort((a, b) => (a.name < b.name ? -1 : 1));
  const spec: TransformSpec = {
    c: valueOf(set.ops.c),
    ...box,
    dprAuto,
    g: valueOf(set.ops.g),
    fp: valueOf(set.ops.fp),
    x: valueOf(set.ops.x),
    y: valueOf(set.ops.y),
    a: valueOf(set.ops.a),
    e: effects.length > 0 ? effects : undefined,
    b: valueOf(set.ops.b),
    wm: valueOf(set.ops.wm),
    q: valueOf(set.ops.q),
    f: valueOf(set.ops.f),
    fl: valueOf(set.ops.fl),
  };
  // Absent, not `undefined`: specs are compared and serialised, and must have one shape.
  for (const key of Object.keys(spec) as (keyof TransformSpec)[]) {
    if (spec[key] === undefined) delete spec[key];
  }
  return spec;
}
