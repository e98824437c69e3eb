/**
 * fast-check generators for the whole transform grammar, for the canonical-form property tests
 * of core/, the edge and the origin (issue 14, item 10). One value generator per key of the op
 * registry — the mapped type makes a key added to OP_KEYS without a generator a compile error —
 * spanning each value's full range, its extremes and its alternative spellings (leading and
 * trailing zeros, upper-case hex, `jpg`, `greyscale`), plus a little noise that must be refused.
 */
import fc from 'fast-check';
import type { CropMode } from '../../transform-spec.ts';
import { GRAVITIES } from '../compound-values.ts';
import type { GrammarContext } from '../context.ts';
import { OP_KEYS, type OpKey } from '../ops.ts';

const padding = fc.nat({ max: 2 }).map((count) => '0'.repeat(count));

/** An integer in [min, max] as text, biased to the bounds, sometimes with leading zeros. */
function integerText(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 500) }) },
    { weight: 2, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
  return fc.tuple(padding, value).map(([zeros, n]) => `${zeros}${n}`);
}

/** A decimal in [min, max] with at most `decimals` decimals, sometimes with trailing zeros. */
function decimalText(min: number, max: number, decimals: number): fc.Arbitrary<string> {
  const scale = 10 ** decimals;
  const units = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: Math.ceil(min * scale), max: Math.floor(max * scale) }) },
    { weight: 1, arbitrary: fc.constantFrom(Math.ceil(min * scale), Math.floor(max * scale)) },
  );
  return fc.tuple(units, fc.nat({ max: 2 })).map(([n, zeros]) => {
    const text = String(n / scale);
    if (zeros === 0) return text;
    return text.includes('.') ? `${text}${'0'.repeat(zeros)}` : `${text}.${'0'.repeat(zeros)}`;
  });
}

const ratioTerm = fc.oneof(
  integerText(1, 10000),
  decimalText(0.01, 10000, 2),
  // The extremes whose reduced terms pass 10000 (issue 14 item 10's six cases were of this kind).
  fc.constantFrom('0.01', '0.03', '0.07', '10000', '9999.99', '1234.57'),
);

const hexDigits = (length: number) =>
  fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: length, maxLength: length }).map((chars) => chars.join(''));
const compass = GRAVITIES.filter((gravity) => gravity !== 'auto' && gravity !== 'entropy');

/** One raw value per op key, as it may appear after `key_` in a URL. */
function valueArbitraries(context: GrammarContext): { [K in OpKey]: fc.Arbitrary<string> } {
  const max = context.maxOutputDimension;
  return {
    t: fc.constantFrom(...context.presets.keys()),
    c: fc.constantFrom('fit', 'fill', 'pad', 'scale', 'crop'),
    // `auto` and `auto:FALLBACK` (client hints) beside the numbers.
    w: fc.oneof(
      { weight: 6, arbitrary: integerText(1, max) },
      { weight: 1, arbitrary: fc.constant('auto') },
      { weight: 1, arbitrary: integerText(1, max).map((fallback) => `auto:${fallback}`) },
    ),
    h: integerText(1, max),
    ar: fc.tuple(ratioTerm, ratioTerm).map(([w, h]) => `${w}:${h}`),
    dpr: fc.oneof({ weight: 5, arbitrary: decimalText(1, 4, 1) }, { weight: 1, arbitrary: fc.constant('auto') }),
    g: fc.constantFrom(...GRAVITIES),
    fp: fc.tuple(decimalText(0, 1, 4), decimalText(0, 1, 4)).map(([x, y]) => `${x}:${y}`),
    x: integerText(0, 100_000_000),
    y: integerText(0, 100_000_000),
    a: fc.tuple(padding, fc.constantFrom(90, 180, 270)).map(([zeros, angle]) => `${zeros}${angle}`),
    e: fc.oneof(
      decimalText(0.3, 100, 2).map((sigma) => `blur:${sigma}`),
      fc.constant('sharpen'),
      decimalText(0.5, 10, 2).map((sigma) => `sharpen:${sigma}`),
      fc.constantFrom('grayscale', 'greyscale'),
    ),
    b: fc.oneof(
      hexDigits(6),
      hexDigits(8),
      hexDigits(6).map((rgb) => `${rgb}ff`),
    ),
    wm: fc
      .tuple(
        fc.constantFrom('logo', 'my_mark', 'A-1'),
        fc.constantFrom(...compass),
        integerText(1, 100),
        integerText(1, 100),
        fc.integer({ min: 1, max: 4 }),
      )
      .map(([name, gravity, opacity, scale, parts]) => [name, gravity, opacity, scale].slice(0, parts).join(':')),
    q: fc.oneof(integerText(1, 100), fc.constantFrom('auto', 'auto:eco', 'auto:good', 'auto:best')),
    f: fc.constantFrom('auto', 'jpeg', 'jpg', 'png', 'webp', 'avif', 'jxl', 'gif'),
    // `lossy` is a Cloudinary flag pixelfront does not have: refused like any unknown value.
    fl: fc.oneof({ weight: 5, arbitrary: fc.constant('progressive') }, { weight: 1, arbitrary: fc.constant('lossy') }),
  };
}

/**
 * Which keys usually go with a crop mode. Only a bias, so most generated specs are accepted and
 * the properties have something to check; the other keys still appear, and must be refused.
 */
const usual: Record<CropMode, readonly OpKey[]> = {
  fit: ['t', 'w', 'h', 'ar', 'dpr', 'a', 'e', 'b', 'wm', 'q', 'f', 'fl'],
  fill: ['t', 'w', 'h', 'ar', 'dpr', 'g', 'fp', 'a', 'e', 'b', 'wm', 'q', 'f', 'fl'],
  pad: ['t', 'w', 'h', 'ar', 'dpr', 'g', 'a', 'e', 'b', 'wm', 'q', 'f', 'fl'],
  scale: ['t', 'w', 'h', 'ar', 'dpr', 'a', 'e', 'b', 'wm', 'q', 'f', 'fl'],
  crop: ['w', 'h', 'ar', 'x', 'y', 'a', 'e', 'b', 'wm', 'q', 'f', 'fl'],
};

/** Values no key accepts: what one bad item does to a spec. */
const noise = fc.constantFrom('', '-1', 'abc', '1e3', '0x10', ' 1', '1,', '__proto__', '00000000000001');

/** The items of one ops string (join with `,`), in random order. */
export function opsItemsArbitrary(context: GrammarContext): fc.Arbitrary<string[]> {
  const values = valueArbitraries(context);
  /** The key's item in `chance` percent of the specs. */
  const item = (key: OpKey, chance: number) =>
    fc.oneof(
      {
        weight: chance,
        arbitrary: fc.oneof({ weight: 30, arbitrary: values[key] }, { weight: 1, arbitrary: noise }).map((value) => `${key}_${value}`),
      },
      { weight: 100 - chance, arbitrary: fc.constant(undefined) },
    );
  return fc
    .constantFrom<CropMode | undefined>('fit', 'fill', 'pad', 'scale', 'crop', undefined)
    .chain((mode) => {
      const keys = OP_KEYS.filter((key) => key !== 'c' && key !== 'e' && key !== 't');
      const likely = usual[mode ?? 'fit'];
      return fc.record({
        mode: fc.constant(mode),
        // w and h more often: c_crop needs both, c_scale one of them.
        single: fc.tuple(...keys.map((key) => item(key, !likely.includes(key) ? 3 : key === 'w' || key === 'h' ? 60 : 35))),
        // Each effect at most once (twice is refused, which the other keys' noise covers enough).
        effects: fc.uniqueArray(values.e, { maxLength: 3, selector: (effect) => effect.split(':')[0]?.replace('greyscale', 'grayscale') }),
        preset: item('t', likely.includes('t') ? 15 : 3),
      });
    })
    .map(({ mode, single, effects, preset }) => [
      ...(mode === undefined ? [] : [`c_${mode}`]),
      ...single.filter((entry) => entry !== undefined),
      ...effects.map((effect) => `e_${effect}`),
      ...(preset === undefined ? [] : [preset]),
    ])
    .chain((items) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }));
}

export function opsArbitrary(context: GrammarContext): fc.Arbitrary<string> {
  // At least one op: `/img/<id>/` with an empty ops segment is not a transform URL (the original
  // is `/img/<id>`), so an empty string would test routing, not the grammar.
  return opsItemsArbitrary(context)
    .filter((items) => items.length > 0)
    .map((items) => items.join(','));
}

/**
 * The kind of input issue 14 item 10 found: ratios whose lowest terms pass 10000, once answered
 * with a canonical `Link` that was refused. Run first by every canonical property test.
 */
export const extremeRatioOps = [
  'c_fill,ar_0.01:10000',
  'c_pad,ar_0.01:10000',
  'c_fill,ar_10000:0.01',
  'c_pad,ar_9999.99:1',
  'c_fill,ar_0.03:7',
  'c_pad,ar_1:1234.57',
];

/** Every spelling of the content-aware quality levels (issue 19), run first by the edge's property test. */
export const autoQualityOps = ['q_auto', 'q_auto:good', 'w_300,q_auto:eco', 'f_webp,q_auto:best', 'q_auto:good,f_avif,w_400'];
