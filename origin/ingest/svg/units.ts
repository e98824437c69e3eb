/**
 * Absolute CSS units in a sanitised SVG, rewritten to px. Browsers take 1in = 96px (CSS Values 4),
 * but librsvg converts them at the rasterisation density, and libvips then scales that density's
 * raster once more: at the default 72 dpi `width="1in"` came out 72 px, and at the density a
 * `w_650` asks for, 5868 px (the 422 of issue 14 item 12). In px nothing depends on the density,
 * and the SVG has the size a browser gives it, with or without a viewBox.
 */

const PX_PER_UNIT: Readonly<Record<string, number>> = {
  in: 96,
  cm: 96 / 2.54,
  mm: 96 / 25.4,
  q: 96 / 101.6,
  pt: 96 / 72,
  pc: 16,
};

// A number glued to a unit, not part of a name (`#p2pt`, `a1in`) or of a longer word (`2inch`).
const absoluteLength = /(?<![\w#.-])([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(in|cm|mm|q|pt|pc)(?![\w-])/gi;

/** Attributes holding lengths (SVG 1.1/2 geometry and text presentation attributes). */
export const lengthAttributes: ReadonlySet<string> = new Set([
  'width',
  'height',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'fx',
  'fy',
  'fr',
  'dx',
  'dy',
  'stroke-width',
  'stroke-dasharray',
  'stroke-dashoffset',
  'font-size',
  'letter-spacing',
  'word-spacing',
  'baseline-shift',
  'textLength',
  'startOffset',
  'refX',
  'refY',
  'markerWidth',
  'markerHeight',
  'style',
]);

/** `1in` → `96px`, `12pt` → `16px`, `25.4mm` → `96px`, in attribute values and CSS alike. */
export function absoluteUnitsToPx(text: string): string {
  return text.replace(absoluteLength, (_match, number: string, unit: string) => {
    const px = Number(number) * (PX_PER_UNIT[unit.toLowerCase()] ?? 1);
    return `${Number(px.toFixed(4))}px`;
  });
}
