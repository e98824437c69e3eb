/**
 * The op registry: every key of SPEC section 3 declared once — its value parser (with ranges),
 * canonical spelling, default and docs. The parser, the canonicaliser and the docs table all read
 * this table; `satisfies OpRegistry` makes a missing or mistyped op a compile error.
 */
import type { AutoQuality, AutoWidth, CropMode, Effect, Flag, OutputFormat, TransformSpec } from '../transform-spec.ts';
import { GRAVITIES, effect, formatEffect, formatWatermark, watermark } from './compound-values.ts';
import { dprValue, formatWidth, widthValue } from './hint-values.ts';
import { quality } from './quality.ts';
import {
  colour,
  decimal,
  enumOf,
  formatRatio,
  intChoice,
  intRange,
  name,
  point,
  ratio,
  type Limits,
  type ValueParser,
} from './validators.ts';

/** Keys in the SPEC table's order, which is also the canonical order. */
export const OP_KEYS = ['t', 'c', 'w', 'h', 'ar', 'dpr', 'g', 'fp', 'x', 'y', 'a', 'e', 'b', 'wm', 'q', 'f', 'fl'] as const;
export type OpKey = (typeof OP_KEYS)[number];

/**
 * The value one item of each key parses to (`e` is one effect per item; `w` and `dpr` may be
 * `auto`, which the spec keeps as `wAuto` and `dprAuto`).
 */
export type OpValues = Required<Omit<TransformSpec, 'e' | 'w' | 'wAuto' | 'dprAuto'>> & {
  t: string;
  w: number | AutoWidth;
  dpr: number | 'auto';
  e: Effect;
};

export interface OpSpec<T> {
  /** Human name used in messages: "w_abc: width must be …". */
  label: string;
  value: ValueParser<T>;
  /** The canonical spelling of a parsed value. Method syntax keeps the registry covariant. */
  format(value: T): string;
  /** Omitted from the canonical form when the value equals it. */
  default?: T;
  /** Text of the docs table's "default" column when there is no single default value. */
  defaultText?: string;
  /** May appear more than once (only `e`). */
  repeatable?: boolean;
  docs: string;
}

export type OpRegistry = { [K in OpKey]: OpSpec<OpValues[K]> };

const text = (value: string) => value;
const number = (value: number) => String(value);
const pair = (value: [number, number]) => `${value[0]}:${value[1]}`;

/** The upper bound of `w` and `h`, read from the context at parse time (MAX_OUTPUT_DIMENSION). */
const outputLimit = (limits: Limits) => limits.maxOutputDimension;
const CROP_MODES = ['fit', 'fill', 'pad', 'scale', 'crop'] as const satisfies readonly CropMode[];
const FLAGS = ['progressive'] as const satisfies readonly Flag[];
/** The values of `f`; exported so the console's URL builder offers exactly these. */
export const FORMAT_TOKENS = ['auto', 'jpeg', 'png', 'webp', 'avif', 'jxl', 'gif'] as const satisfies readonly (OutputFormat | 'auto')[];
const FORMATS = FORMAT_TOKENS;

const registry = {
  t: {
    label: 'preset',
    value: name('preset'),
    format: text,
    docs: "expands to the preset's ops; explicit ops override the preset's (see Presets)",
  },
  c: {
    label: 'crop mode',
    value: enumOf(CROP_MODES),
    format: text,
    default: 'fit',
    docs: 'fit inside the box keeping aspect; cover the box and crop; fit and pad to the box with `b`; stretch to the box; cut the region `x,y,w,h` out of the source',
  },
  w: {
    label: 'width',
    value: widthValue(intRange(1, outputLimit)),
    format: formatWidth,
    docs: 'box width in CSS pixels; alone, the height follows the aspect ratio. The bound is `MAX_OUTPUT_DIMENSION`. `auto` takes the width, in device pixels, from the `Sec-CH-Width` (or `Width`) client hint, rounded up to `AUTO_WIDTH_STEP` and at most the source width; FALLBACK (default 800) without a hint; not with `dpr` or `c_crop` (see Client hints)',
  },
  h: {
    label: 'height',
    value: intRange(1, outputLimit),
    format: number,
    docs: 'box height in CSS pixels; alone, the width follows the aspect ratio. The bound is `MAX_OUTPUT_DIMENSION`',
  },
  ar: {
    label: 'aspect ratio',
    value: ratio(),
    format: formatRatio,
    docs: 'aspect ratio; with exactly one of `w`/`h` it derives the other; alone only with `c_fill` (largest crop of that ratio) or `c_pad` (smallest padded canvas)',
  },
  dpr: {
    label: 'dpr',
    value: dprValue(decimal(1, 4, 1)),
    format: (value: number | 'auto') => String(value),
    default: 1,
    docs: 'device pixel ratio: multiplies `w` and `h` (rounded) and disappears from the canonical form; not with `c_crop`. `auto` takes it from the `Sec-CH-DPR` (or `DPR`) client hint (1 without one) and stays in the canonical form',
  },
  g: {
    label: 'gravity',
    value: enumOf(GRAVITIES),
    format: text,
    default: 'center',
    docs: 'what `c_fill` keeps and where `c_pad` places the image; `auto` is saliency, `entropy` the busiest region; excludes `fp`',
  },
  fp: {
    label: 'focal point',
    value: point(),
    format: pair,
    docs: 'focal point for `c_fill`, fractions of the oriented source (0:0 is the top left); excludes `g`',
  },
  x: {
    label: 'x',
    value: intRange(0, 100_000_000),
    format: number,
    default: 0,
    docs: 'region left edge for `c_crop`, source pixels',
  },
  y: {
    label: 'y',
    value: intRange(0, 100_000_000),
    format: number,
    default: 0,
    docs: 'region top edge for `c_crop`, source pixels',
  },
  a: {
    label: 'rotation',
    value: intChoice([90, 180, 270] as const),
    format: number,
    docs: 'clockwise rotation after the automatic EXIF orientation and the resize',
  },
  e: {
    label: 'effect',
    value: effect(),
    format: formatEffect,
    repeatable: true,
    docs: 'effects; `e` may repeat, each effect at most once; they apply in canonical (name) order',
  },
  b: {
    label: 'background',
    value: colour(),
    format: text,
    default: 'ffffff',
    docs: 'background for `c_pad` and for flattening alpha into JPEG; `rrggbbff` is written `rrggbb`',
  },
  wm: {
    label: 'watermark',
    value: watermark(),
    format: formatWatermark,
    defaultText: 'none; parts: `south_east`, `100`, `20`',
    docs: "overlay the tenant's watermark NAME at GRAVITY with OPACITY % and SCALE % of the output width; an unknown NAME is 404 `not_found`",
  },
  q: {
    label: 'quality',
    value: quality(),
    format: (value: number | AutoQuality) => String(value),
    defaultText: 'per format (see Encoding)',
    docs: "encoder quality; `auto` (= `auto:good`), `auto:eco` and `auto:best` pick the lowest quality whose SSIM against the resized image reaches the level's target (see Content-aware quality)",
  },
  f: {
    label: 'format',
    value: enumOf(FORMATS, { jpg: 'jpeg' }),
    format: text,
    defaultText: "the source's",
    docs: "output format; default: the source's if it is one of these, else PNG with alpha, JPEG without; `jxl` is JPEG XL (written, never read; at most 16 MP); `auto` negotiates from `Accept`: JPEG XL, then AVIF, then WebP (see f_auto)",
  },
  fl: {
    label: 'flag',
    value: enumOf(FLAGS),
    format: text,
    defaultText: 'none (`progressive` with `JPEG_PROGRESSIVE=true`)',
    docs: 'encoder flags: `progressive` writes a progressive JPEG (SOF2: a coarse picture first, refined by later scans); JPEG outputs only: with an explicit non-JPEG `f` it is 400, with `f_auto` or no `f` it applies when the answer is JPEG',
  },
} satisfies OpRegistry;

export const opRegistry: OpRegistry = registry;

export function isOpKey(key: string): key is OpKey {
  return (OP_KEYS as readonly string[]).includes(key);
}

/** True when the value is the op's default, i.e. absent from the canonical form. */
export function isDefaultValue<K extends OpKey>(key: K, value: OpValues[K]): boolean {
  const op: OpSpec<OpValues[K]> = opRegistry[key];
  return op.default !== undefined && op.format(value) === op.format(op.default);
}

export function formatItem<K extends OpKey>(key: K, value: OpValues[K]): string {
  const op: OpSpec<OpValues[K]> = opRegistry[key];
  return `${key}_${op.format(value)}`;
}
