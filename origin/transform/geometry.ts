import { fail } from '../../core/errors.ts';
import type { Gravity, TransformSpec } from '../../core/transform-spec.ts';
import type { Rect } from './render-types.ts';

/**
 * The crop/resize arithmetic of SPEC section 3, as pure functions of the oriented source size and
 * the spec, so that every `c` mode and the never-upscale rule can be tested without pixels and the
 * sharp step only replays the result.
 */

export type CompassGravity = Exclude<Gravity, 'auto' | 'entropy'>;

/** One sharp call, in order; sharp decides pre/post extraction from the call order. */
export type GeometryOp =
  | { op: 'extract'; rect: Rect }
  | { op: 'resize'; width: number; height: number; fit: 'fill' | 'cover'; position?: string; withoutReduction?: boolean };

export interface GeometryPlan {
  ops: GeometryOp[];
  /** Size after crop/resize, before any pad. */
  width: number;
  height: number;
  /** c_pad: the canvas and where the image sits on it (before rotation). */
  pad?: { width: number; height: number; left: number; top: number };
}

interface Size {
  width: number;
  height: number;
}

interface Box {
  width: number | undefined;
  height: number | undefined;
  /** width / height when `ar` was given. */
  aspect: number | undefined;
}

/** The requested box: `w`/`h` as given, the missing side derived from `ar` when both are not given. */
export function requestedBox(spec: TransformSpec): Box {
  const aspect = spec.ar ? spec.ar[0] / spec.ar[1] : undefined;
  let width = spec.w;
  let height = spec.h;
  if (aspect !== undefined && width !== undefined && height === undefined) height = atLeastOne(width / aspect);
  if (aspect !== undefined && height !== undefined && width === undefined) width = atLeastOne(height * aspect);
  return { width, height, aspect };
}

/**
 * Fit inside the box keeping aspect, never larger than the source, and no side over `maxSide`
 * (SPEC section 8: an output the box leaves open is clamped to the limit, not refused).
 */
export function fitInside(source: Size, width: number | undefined, height: number | undefined, maxSide = Infinity): Size {
  const scale = Math.min(
    width === undefined ? Infinity : width / source.width,
    height === undefined ? Infinity : height / source.height,
    maxSide / source.width,
    maxSide / source.height,
    1,
  );
  if (scale >= 1) return { ...source };
  return { width: atLeastOne(source.width * scale), height: atLeastOne(source.height * scale) };
}

/** The largest region of the given aspect that the source holds. */
export function largestOfAspect(source: Size, aspect: number): Size {
  return {
    width: atLeastOne(Math.min(source.width, source.height * aspect)),
    height: atLeastOne(Math.min(source.height, source.width / aspect)),
  };
}

/** Top-left of `inner` inside `outer` for a compass gravity. */
export function placeByGravity(outer: Size, inner: Size, gravity: CompassGravity): { left: number; top: number } {
  const freeX = outer.width - inner.width;
  const freeY = outer.height - inner.height;
  const left = gravity.endsWith('west') ? 0 : gravity.endsWith('east') ? freeX : Math.floor(freeX / 2);
  const top = gravity.startsWith('north') ? 0 : gravity.startsWith('south') ? freeY : Math.floor(freeY / 2);
  return { left, top };
}

/** sharp's name for a compass gravity. */
export function sharpGravity(gravity: CompassGravity): string {
  return gravity === 'center' ? 'centre' : gravity.replace('_', '');
}

interface GeometryOptions {
  animated: boolean;
  /** Longest output side (`MAX_OUTPUT_DIMENSION`); outputs the box leaves open are fitted inside it. */
  maxOutputDimension?: number;
}

/**
 * Plans crop/resize for the oriented source. `animated` sources cannot use sharp's smart crop
 * (it is single-page only), so `auto`/`entropy` fall back to the centre for them.
 */
export function planGeometry(source: Size, spec: TransformSpec, options: GeometryOptions): GeometryPlan {
  const box = requestedBox(spec);
  const maxSide = options.maxOutputDimension ?? Infinity;
  switch (spec.c ?? 'fit') {
    case 'fit':
      return resizeTo(source, fitInside(source, box.width, box.height, maxSide));
    case 'scale':
      return planScale(source, box, maxSide);
    case 'fill':
      return planFill(source, box, spec, options);
    case 'pad':
      return planPad(source, box, spec, maxSide);
    case 'crop':
      return planCrop(source, box, spec, options);
  }
}

function planScale(source: Size, box: Box, maxSide: number): GeometryPlan {
  if (box.width !== undefined && box.height !== undefined) {
    return resizeTo(source, { width: Math.min(box.width, source.width), height: Math.min(box.height, source.height) });
  }
  if (box.width === undefined && box.height === undefined && box.aspect !== undefined) {
    return resizeTo(source, largestOfAspect(source, box.aspect));
  }
  return resizeTo(source, fitInside(source, box.width, box.height, maxSide));
}

function planFill(source: Size, box: Box, spec: TransformSpec, options: GeometryOptions): GeometryPlan {
  let target: Size;
  if (box.width !== undefined && box.height !== undefined) {
    const region = largestOfAspect(source, box.width / box.height);
    // Never upscale: a box larger than the source gives the largest crop of its aspect, unscaled.
    target = box.width <= region.width && box.height <= region.height ? { width: box.width, height: box.height } : region;
  } else if (box.width === undefined && box.height === undefined && box.aspect !== undefined) {
    target = largestOfAspect(source, box.aspect);
  } else {
    return resizeTo(source, fitInside(source, box.width, box.height, options.maxOutputDimension));
  }
  if (sameSize(source, target)) return { ops: [], ...target };
  if (spec.fp) return focalFill(source, target, spec.fp);
  return {
    ops: [{ op: 'resize', ...target, fit: 'cover', position: cropPosition(spec.g, options) }],
    ...target,
  };
}

/** Cover-scale, then cut the target around the focal point, as far as the edges allow. */
function focalFill(source: Size, target: Size, [fx, fy]: [number, number]): GeometryPlan {
  const scale = Math.max(target.width / source.width, target.height / source.height);
  const covered = {
    width: Math.max(target.width, Math.round(source.width * scale)),
    height: Math.max(target.height, Math.round(source.height * scale)),
  };
  const left = clamp(Math.round(fx * covered.width - target.width / 2), 0, covered.width - target.width);
  const top = clamp(Math.round(fy * covered.height - target.height / 2), 0, covered.height - target.height);
  const ops: GeometryOp[] = sameSize(source, covered) ? [] : [{ op: 'resize', ...covered, fit: 'fill' }];
  ops.push({ op: 'extract', rect: { left, top, ...target } });
  return { ops, ...target };
}

function planPad(source: Size, box: Box, spec: TransformSpec, maxSide: number): GeometryPlan {
  let canvas: Size;
  if (box.width !== undefined && box.height !== undefined) {
    canvas = { width: box.width, height: box.height };
  } else if (box.width === undefined && box.height === undefined && box.aspect !== undefined) {
    // The smallest canvas of that aspect around the unscaled source.
    canvas =
      source.width / source.height > box.aspect
        ? { width: source.width, height: atLeastOne(source.width / box.aspect) }
        : { width: atLeastOne(source.height * box.aspect), height: source.height };
  } else {
    return resizeTo(source, fitInside(source, box.width, box.height, maxSide));
  }
  const inner = fitInside(source, canvas.width, canvas.height);
  const plan = resizeTo(source, inner);
  if (sameSize(inner, canvas)) return plan;
  const gravity = spec.g === undefined || spec.g === 'auto' || spec.g === 'entropy' ? 'center' : spec.g;
  return { ...plan, pad: { ...canvas, ...placeByGravity(canvas, inner, gravity) } };
}

function planCrop(source: Size, box: Box, spec: TransformSpec, options: GeometryOptions): GeometryPlan {
  let wanted: Partial<Size> = { width: box.width, height: box.height };
  if (box.width === undefined && box.height === undefined && box.aspect !== undefined) {
    wanted = largestOfAspect(source, box.aspect);
  }
  if (spec.x !== undefined || spec.y !== undefined) {
    const left = spec.x ?? 0;
    const top = spec.y ?? 0;
    if (left >= source.width || top >= source.height) {
      throw fail('invalid_transform', `c_crop: region at ${left},${top} lies outside the ${source.width}x${source.height} source`);
    }
    const rect = {
      left,
      top,
      width: Math.min(wanted.width ?? source.width, source.width - left),
      height: Math.min(wanted.height ?? source.height, source.height - top),
    };
    if (sameSize(rect, source)) return { ops: [], ...source };
    return { ops: [{ op: 'extract', rect }], width: rect.width, height: rect.height };
  }
  const size = {
    width: Math.min(wanted.width ?? source.width, source.width),
    height: Math.min(wanted.height ?? source.height, source.height),
  };
  if (sameSize(size, source)) return { ops: [], ...source };
  const position = cropPosition(spec.g, options);
  if (position === 'attention' || position === 'entropy') {
    // withoutReduction keeps the scale at 1, so sharp's smart crop cuts rather than resizes.
    return { ops: [{ op: 'resize', ...size, fit: 'cover', position, withoutReduction: true }], ...size };
  }
  const gravity = spec.g === undefined || spec.g === 'auto' || spec.g === 'entropy' ? 'center' : spec.g;
  return { ops: [{ op: 'extract', rect: { ...placeByGravity(source, size, gravity), ...size } }], ...size };
}

function cropPosition(gravity: Gravity | undefined, options: GeometryOptions): string {
  if (gravity === 'auto') return options.animated ? 'centre' : 'attention';
  if (gravity === 'entropy') return options.animated ? 'centre' : 'entropy';
  return sharpGravity(gravity ?? 'center');
}

function resizeTo(source: Size, target: Size): GeometryPlan {
  if (sameSize(source, target)) return { ops: [], ...target };
  return { ops: [{ op: 'resize', ...target, fit: 'fill' }], ...target };
}

/**
 * How much larger than its intrinsic size an SVG must be rasterised so that the requested output
 * needs no upscaling (vectors have no native resolution, so the never-upscale rule does not bind).
 */
export function vectorScale(source: Size, spec: TransformSpec): number {
  const box = requestedBox(spec);
  const ratios = [
    box.width === undefined ? undefined : box.width / source.width,
    box.height === undefined ? undefined : box.height / source.height,
  ].filter((ratio): ratio is number => ratio !== undefined);
  if (ratios.length === 0 || spec.c === 'crop') return 1;
  const mode = spec.c ?? 'fit';
  const needed = mode === 'fill' || mode === 'scale' ? Math.max(...ratios) : Math.min(...ratios);
  return Math.max(1, needed);
}

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

function atLeastOne(value: number): number {
  return Math.max(1, Math.round(value));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
