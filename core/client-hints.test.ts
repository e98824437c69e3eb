import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyClientHints, effectiveHints, hintedDpr, hintedWidth, hintHeaders, hintVary, readClientHints } from './client-hints.ts';

const settings = { step: 100, maxOutputDimension: 8192 };
const headersOf = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()];

describe('width hints', () => {
  it.each([
    ['666', 700],
    ['700', 700],
    ['701', 800],
    ['1', 100],
    [' 333 ', 400],
    ['8150', 8192],
    ['999999999', 8192],
  ])('rounds %s up to the step, at most MAX_OUTPUT_DIMENSION: %i', (raw, width) => {
    expect(hintedWidth(raw, settings)).toBe(width);
  });

  it('rounds to any step, and a step of 1 keeps the hint', () => {
    expect(hintedWidth('666', { ...settings, step: 1 })).toBe(666);
    expect(hintedWidth('666', { ...settings, step: 128 })).toBe(768);
  });

  it.each(['', '0', '-5', 'abc', '1e3', '12.5', '0x10', '600, 700', '9999999999', '+5'])('ignores %j', (raw) => {
    expect(hintedWidth(raw, settings)).toBeUndefined();
  });
  it('ignores an absent header', () => {
    expect(hintedWidth(undefined, settings)).toBeUndefined();
    expect(hintedWidth(null, settings)).toBeUndefined();
  });
});

describe('DPR hints', () => {
  it.each([
    ['2', 2],
    ['1.5', 1.5],
    ['1.1', 1.1],
    ['2.625', 2.7],
    ['1.01', 1.1],
    ['0.5', 1],
    ['3.0', 3],
    ['7', 4],
  ])('reads %s as %d (tenths, rounded up, 1…4)', (raw, dpr) => {
    expect(hintedDpr(raw)).toBe(dpr);
  });
  it.each(['', '0', '0.0', '-2', 'two', '2x', '1e1', 'NaN', '2,3'])('ignores %j', (raw) => {
    expect(hintedDpr(raw)).toBeUndefined();
  });
});

describe('reading the hints a spec uses', () => {
  it('prefers Sec-CH-* and falls back to the legacy header when it is absent or bad', () => {
    const spec = { wAuto: 800, dprAuto: true as const };
    expect(readClientHints(spec, headersOf({ 'sec-ch-width': '640', width: '320' }), settings)).toEqual({ width: 700 });
    expect(readClientHints(spec, headersOf({ 'sec-ch-width': 'x', width: '320' }), settings)).toEqual({ width: 400 });
    expect(readClientHints({ dprAuto: true }, headersOf({ 'sec-ch-dpr': '3', dpr: '2' }), settings)).toEqual({ dpr: 3 });
    expect(readClientHints({ dprAuto: true }, headersOf({ dpr: '2' }), settings)).toEqual({ dpr: 2 });
  });

  it('reads nothing a spec does not use', () => {
    const all = headersOf({ 'sec-ch-width': '640', 'sec-ch-dpr': '2' });
    expect(readClientHints({}, all, settings)).toEqual({});
    expect(readClientHints({ wAuto: 800 }, all, settings)).toEqual({ width: 700 });
    expect(hintVary({})).toEqual([]);
    expect(hintVary({ wAuto: 800 })).toEqual(['Sec-CH-Width', 'Width']);
    expect(hintVary({ dprAuto: true })).toEqual(['Sec-CH-DPR', 'DPR']);
  });

  it('keys with the fallback when there is no hint, and forwards only the hints there are', () => {
    expect(effectiveHints({ wAuto: 640 }, {})).toEqual({ width: 640 });
    expect(effectiveHints({ wAuto: 640 }, { width: 300 })).toEqual({ width: 300 });
    expect(effectiveHints({ dprAuto: true }, {})).toEqual({ dpr: 1 });
    expect(hintHeaders({})).toEqual({});
    expect(hintHeaders({ width: 700, dpr: 2.5 })).toEqual({ 'sec-ch-width': '700', 'sec-ch-dpr': '2.5' });
  });

  it('reads what it forwards back to the same values (the origin re-reads the edge’s headers)', () => {
    for (const raw of ['1', '99', '666', '8150', '12345']) {
      const width = hintedWidth(raw, settings);
      expect(hintedWidth(String(width), settings)).toBe(width);
    }
    for (const raw of ['1', '1.01', '2.625', '3.99']) {
      const dpr = hintedDpr(raw);
      expect(hintedDpr(String(dpr))).toBe(dpr);
    }
  });
});

describe('edge and origin agree on the hints', () => {
  it('the headers the edge forwards read back, at the origin, to the very values the edge keyed', () => {
    const raw = fc.oneof(
      fc.integer({ min: 0, max: 100_000 }).map(String),
      fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 999_999 })).map(([units, fraction]) => `${units}.${fraction}`),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        fc.option(raw, { nil: undefined }),
        fc.option(raw, { nil: undefined }),
        fc.option(raw, { nil: undefined }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 16383 }),
        fc.integer({ min: 1, max: 8192 }),
        (secWidth, legacyWidth, dpr, step, maxOutputDimension, fallback) => {
          const spec = { wAuto: Math.min(fallback, maxOutputDimension), dprAuto: true as const };
          const limits = { step, maxOutputDimension };
          const client = headersOf({
            ...(secWidth === undefined ? {} : { 'sec-ch-width': secWidth }),
            ...(legacyWidth === undefined ? {} : { width: legacyWidth }),
            ...(dpr === undefined ? {} : { dpr }),
          });
          const atEdge = readClientHints(spec, client, limits);
          const atOrigin = readClientHints(spec, headersOf(hintHeaders(atEdge)), limits);
          expect(atOrigin).toEqual(atEdge);
          expect(effectiveHints(spec, atOrigin)).toEqual(effectiveHints(spec, atEdge));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('applying the hints to a spec', () => {
  const bounds = { maxOutputDimension: 8192, sourceWidth: 1200 };
  it('gives w_auto the hinted width, or its fallback, capped by the source', () => {
    expect(applyClientHints({ wAuto: 800 }, { width: 700 }, bounds)).toEqual({ w: 700 });
    expect(applyClientHints({ wAuto: 640 }, {}, bounds)).toEqual({ w: 640 });
    expect(applyClientHints({ wAuto: 800 }, { width: 3000 }, bounds)).toEqual({ w: 1200 });
    expect(applyClientHints({ wAuto: 800 }, { width: 3000 }, { maxOutputDimension: 8192 })).toEqual({ w: 3000 });
    expect(applyClientHints({ c: 'pad', wAuto: 800, h: 300, f: 'webp' }, { width: 500 }, bounds)).toEqual({
      c: 'pad',
      w: 500,
      h: 300,
      f: 'webp',
    });
  });

  it('derives the height from ar, and scales a box past the limit down to it', () => {
    expect(applyClientHints({ c: 'fill', wAuto: 800, ar: [16, 9] }, { width: 700 }, bounds)).toEqual({ c: 'fill', w: 700, h: 394 });
    expect(applyClientHints({ wAuto: 800, ar: [1, 4] }, { width: 4000 }, { maxOutputDimension: 8192 })).toEqual({ w: 2048, h: 8192 });
  });

  it('multiplies explicit w and h by the DPR hint (1 without one), within the limit', () => {
    expect(applyClientHints({ w: 300, dprAuto: true }, { dpr: 2 }, bounds)).toEqual({ w: 600 });
    expect(applyClientHints({ c: 'fill', w: 100, h: 50, dprAuto: true }, { dpr: 1.5 }, bounds)).toEqual({ c: 'fill', w: 150, h: 75 });
    expect(applyClientHints({ h: 333, dprAuto: true }, {}, bounds)).toEqual({ h: 333 });
    expect(applyClientHints({ w: 5000, h: 2500, dprAuto: true }, { dpr: 4 }, bounds)).toEqual({ w: 8192, h: 4096 });
  });

  it('leaves a spec without auto values as it is', () => {
    const spec = { w: 300, f: 'jpeg' as const };
    expect(applyClientHints(spec, { width: 700, dpr: 2 }, bounds)).toBe(spec);
  });
});
