import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../errors.ts';
import { builtInPresets } from '../presets.ts';
import { canonicalize, parseOps } from './canonical.ts';
import type { GrammarContext } from './context.ts';
import { OP_KEYS } from './ops.ts';
import { extremeRatioOps, opsArbitrary } from './testing/ops-arbitrary.ts';

const context: GrammarContext = { presets: builtInPresets, maxOutputDimension: 8192 };
const canonicalOf = (ops: string) => canonicalize(ops, context).canonical;

const hex = fc.stringMatching(/^[0-9a-f]{6}(?:[0-9a-f]{2})?$/);
const compass = fc.constantFrom('center', 'north', 'south', 'east', 'west', 'north_east', 'north_west', 'south_east', 'south_west');

/** Items that are valid on their own and combine under every rule: a generated valid spec. */
const validOps = fc
  .record({
    mode: fc.constantFrom('fit', 'fill', 'pad', 'scale', 'crop', undefined),
    // Bounded so that dpr 4 and the widest ratio stay under MAX_OUTPUT_DIMENSION.
    w: fc.integer({ min: 1, max: 500 }),
    h: fc.integer({ min: 1, max: 500 }),
    sides: fc.constantFrom('w', 'h', 'wh', 'w-ar', 'h-ar', 'ar', 'none'),
    ar: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    dpr: fc.option(
      fc.integer({ min: 10, max: 40 }).map((tenths) => tenths / 10),
      { nil: undefined },
    ),
    gravity: fc.option(fc.constantFrom('center', 'north', 'south_west', 'auto', 'entropy'), { nil: undefined }),
    fp: fc.option(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })), { nil: undefined }),
    xy: fc.tuple(fc.nat({ max: 5000 }), fc.nat({ max: 5000 })),
    a: fc.option(fc.constantFrom(90, 180, 270), { nil: undefined }),
    effects: fc.subarray(['blur', 'sharpen', 'grayscale'] as const),
    sigma: fc.integer({ min: 5, max: 100 }).map((tenths) => tenths / 10),
    b: fc.option(hex, { nil: undefined }),
    wm: fc.option(
      fc.tuple(fc.constantFrom('logo', 'my_mark'), compass, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 })),
      { nil: undefined },
    ),
    q: fc.option(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom('auto', 'auto:eco', 'auto:good', 'auto:best')), {
      nil: undefined,
    }),
    f: fc.option(fc.constantFrom('auto', 'jpeg', 'jpg', 'png', 'webp', 'avif', 'gif'), { nil: undefined }),
    progressive: fc.boolean(),
    // Client hints: w_auto[:N] in place of w, dpr_auto in place of dpr.
    autoWidth: fc.option(fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }), { nil: null }),
    dprAuto: fc.boolean(),
  })
  .map((r) => {
    const items: string[] = [];
    const mode = r.mode;
    if (mode !== undefined) items.push(`c_${mode}`);
    // Pick the sides so every mode's rules hold.
    const needsSide = mode === 'scale' ? ['ar', 'none'] : mode === 'fill' || mode === 'pad' ? ['none'] : [];
    const sides = mode === 'crop' ? (r.sides.includes('ar') ? 'w-ar' : 'wh') : needsSide.includes(r.sides) ? 'w' : r.sides;
    const usesAr = sides.includes('ar') && (sides !== 'ar' || mode === 'fill' || mode === 'pad');
    // w_auto takes no dpr and no c_crop.
    const autoWidth = r.autoWidth !== null && mode !== 'crop' && sides.startsWith('w');
    if (autoWidth) items.push(r.autoWidth === undefined ? 'w_auto' : `w_auto:${r.autoWidth}`);
    else if (sides.startsWith('w')) items.push(`w_${r.w}`);
    if (sides === 'wh' || sides.startsWith('h')) items.push(`h_${r.h}`);
    if (usesAr) items.push(`ar_${r.ar[0]}:${r.ar[1]}`);
    if (!autoWidth && mode !== 'crop' && (r.dpr !== undefined || r.dprAuto)) items.push(r.dprAuto ? 'dpr_auto' : `dpr_${r.dpr}`);
    if (mode === 'fill' && r.fp !== undefined) items.push(`fp_${r.fp[0] / 100}:${r.fp[1] / 100}`);
    else if ((mode === 'fill' || mode === 'pad') && r.gravity !== undefined) items.push(`g_${r.gravity}`);
    if (mode === 'crop') items.push(`x_${r.xy[0]}`, `y_${r.xy[1]}`);
    if (r.a !== undefined) items.push(`a_${r.a}`);
    items.push(...r.effects.map((effect) => (effect === 'grayscale' ? 'e_grayscale' : `e_${effect}:${r.sigma}`)));
    if (r.b !== undefined) items.push(`b_${r.b}`);
    if (r.wm !== undefined) items.push(`wm_${r.wm.join(':')}`);
    if (r.q !== undefined) items.push(`q_${r.q}`);
    if (r.f !== undefined) items.push(`f_${r.f}`);
    // fl_progressive goes with a JPEG output, f_auto or no f (an explicit other f refuses it).
    if (r.progressive && (r.f === undefined || ['jpeg', 'jpg', 'auto'].includes(r.f))) items.push('fl_progressive');
    return items;
  });

describe('canonical form properties', () => {
  it('over the whole grammar: every accepted input has a canonical form that parses, to the same spec, and is its own canonical form', () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(opsArbitrary(context), (ops) => {
        runs += 1;
        let parsed: ReturnType<typeof canonicalize>;
        try {
          parsed = canonicalize(ops, context);
        } catch (error) {
          if (!isPixelfrontError(error) || error.code !== 'invalid_transform') throw error;
          return;
        }
        accepted += 1;
        expect(parseOps(parsed.canonical, context)).toEqual(parsed.spec);
        expect(canonicalOf(parsed.canonical)).toBe(parsed.canonical);
      }),
      { numRuns: 3000, examples: extremeRatioOps.map((ops) => [ops]) },
    );
    // The generator is biased towards valid specs: a property over refusals only would prove nothing.
    expect(accepted / runs).toBeGreaterThan(0.3);
  });

  it('spells ratios beyond 10000 in lowest terms as hundredths (c_fill,ar_0.01:10000 is not ar_1:1000000)', () => {
    expect(canonicalOf('c_fill,ar_0.01:10000')).toBe('c_fill,ar_0.01:10000');
    expect(canonicalOf('c_pad,ar_0.02:10000')).toBe('c_pad,ar_0.01:5000');
    expect(canonicalOf('c_pad,ar_9999.99:1')).toBe('c_pad,ar_9999.99:1');
    expect(canonicalOf('c_fill,ar_10000:0.03')).toBe('c_fill,ar_10000:0.03');
    expect(canonicalOf('c_fill,ar_1.5:1')).toBe('c_fill,ar_3:2');
  });

  it('is idempotent for generated valid specs', () => {
    fc.assert(
      fc.property(validOps, (items) => {
        const once = canonicalOf(items.join(','));
        expect(canonicalOf(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order of the items', () => {
    fc.assert(
      fc.property(
        validOps.chain((items) => fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length }))),
        ([items, shuffled]) => {
          expect(canonicalOf(shuffled.join(','))).toBe(canonicalOf(items.join(',')));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('meets for padded numbers, trailing zeros, jpg/jpeg and colour case', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8192 }),
        fc.integer({ min: 1, max: 100 }),
        hex,
        fc.constantFrom(['jpg', 'jpeg'], ['jpeg', 'jpg']),
        fc.nat({ max: 3 }),
        (width, quality, colour, [format, other], zeros) => {
          const plain = canonicalOf(`w_${width},q_${quality},b_${colour},f_${format}`);
          const spelled = canonicalOf(
            `f_${other},b_${colour.toUpperCase()},q_${'0'.repeat(zeros)}${quality},w_${'0'.repeat(zeros)}${width}`,
          );
          expect(spelled).toBe(plain);
          expect(canonicalOf(`c_fill,w_10,fp_0.5${'0'.repeat(zeros)}:1.${'0'.repeat(zeros + 1)}`)).toBe('c_fill,w_10,fp_0.5:1');
        },
      ),
    );
  });

  it('spells q_auto:good as q_auto, keeps the other levels, and keeps every level in the canonical form', () => {
    fc.assert(
      fc.property(validOps, fc.constantFrom('eco', 'good', 'best'), (items, level) => {
        const others = items.filter((item) => !item.startsWith('q_'));
        const spelled = canonicalOf([...others, `q_auto:${level}`].join(','));
        const expected = level === 'good' ? 'q_auto' : `q_auto:${level}`;
        expect(spelled.split(',')).toContain(expected);
        if (level === 'good') expect(canonicalOf([...others, 'q_auto'].join(','))).toBe(spelled);
        expect(canonicalOf(spelled)).toBe(spelled);
        // The level stays apart from the per-format default (no q) and from every number.
        expect(canonicalOf(others.join(','))).not.toBe(spelled);
      }),
      { numRuns: 300 },
    );
  });

  it('folds dpr into w and h like the multiplied values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 10, max: 40 }),
        (w, h, tenths) => {
          const dpr = tenths / 10;
          const multiplied = `c_fill,w_${Math.round((w * tenths) / 10)},h_${Math.round((h * tenths) / 10)}`;
          expect(canonicalOf(`c_fill,w_${w},h_${h},dpr_${dpr}`)).toBe(canonicalOf(multiplied));
          expect(canonicalOf(`h_${h},dpr_${dpr.toFixed(1)}0,c_fill,w_${w}`)).toBe(canonicalOf(multiplied));
        },
      ),
    );
  });

  it('expands every preset to what its ops say, with overrides applied', () => {
    for (const [name, ops] of builtInPresets) {
      expect(canonicalOf(`t_${name}`)).toBe(canonicalOf(ops));
      expect(canonicalOf(`t_${name},f_webp`)).toBe(canonicalOf(`${ops.replace(/,?f_[a-z]+/, '')},f_webp`));
      expect(canonicalOf(`a_90,t_${name}`)).toBe(canonicalOf(`${ops},a_90`));
    }
  });

  it('throws nothing but invalid_transform for random strings', () => {
    const token = fc.oneof(
      fc.constantFrom(
        ...OP_KEYS,
        '_',
        ',',
        ':',
        '.',
        '0',
        '1',
        '9',
        '-',
        'ff',
        'auto',
        'fill',
        'crop',
        'blur',
        'thumb',
        'north_east',
        '__proto__',
      ),
      fc.string({ maxLength: 4 }),
      fc.integer({ min: -5, max: 100_000 }).map(String),
    );
    const noise = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.array(token, { maxLength: 20 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(noise, (ops) => {
        try {
          const { canonical } = canonicalize(ops, context);
          // Whatever parses, its canonical form parses to itself.
          expect(canonicalOf(canonical)).toBe(canonical);
        } catch (error) {
          if (!isPixelfrontError(error) || error.code !== 'invalid_transform') throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
