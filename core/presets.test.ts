import { describe, expect, it } from 'vitest';
import { canonicalize } from './grammar/canonical.ts';
import { builtInPresets, describePresets, parsePresets } from './presets.ts';

const context = { presets: builtInPresets, maxOutputDimension: 8192 };

describe('built-in presets', () => {
  it('include thumb, card, hero and og as the issue defines them', () => {
    const described = Object.fromEntries(describePresets(builtInPresets, context).map(({ name, ops }) => [name, ops]));
    expect(described).toMatchObject({
      thumb: 'c_fill,w_200,h_200',
      card: 'c_fill,w_600,h_400',
      hero: 'w_1600',
      og: 'c_fill,w_1200,h_630,f_jpeg',
    });
  });

  it('all parse on their own', () => {
    for (const ops of builtInPresets.values()) expect(() => canonicalize(ops, { ...context, presets: new Map() })).not.toThrow();
  });
});

describe('parsePresets', () => {
  it('accepts an object of name → ops and keeps the ops as written', () => {
    const presets = parsePresets({ square: 'c_fill,w_0300,ar_1:1', tiny: 'w_32,f_jpg' });
    expect([...presets]).toEqual([
      ['square', 'c_fill,w_0300,ar_1:1'],
      ['tiny', 'w_32,f_jpg'],
    ]);
    const ctx = { presets, maxOutputDimension: 8192 };
    expect(describePresets(presets, ctx)).toEqual([
      { name: 'square', ops: 'c_fill,w_300,h_300' },
      { name: 'tiny', ops: 'w_32,f_jpeg' },
    ]);
    // An override acts on the ops as written: ar still derives h from the new w.
    expect(canonicalize('t_square,w_500', ctx).canonical).toBe('c_fill,w_500,h_500');
  });

  it('rejects bad shapes, names, ops and nested presets with one line naming the preset', () => {
    const cases: [json: unknown, message: string][] = [
      [[], 'presets:'],
      ['thumb', 'presets:'],
      [null, 'presets:'],
      [{ thumb: 42 }, 'preset "thumb":'],
      [{ 'bad name': 'w_10' }, 'preset names are 1…64 characters'],
      [{ empty: '' }, 'preset "empty": ops must not be empty'],
      [{ wide: 'w_abc' }, 'preset "wide": w_abc: width must be an integer 1…4096'],
      [{ fill: 'c_fill' }, 'preset "fill": c_fill needs w, h or ar'],
      [{ a: 'w_10', b: 't_a,h_10' }, 'preset "b": presets may not refer to other presets'],
      [{ big: 'w_5000' }, 'preset "big": w_5000: width must be an integer 1…4096'],
    ];
    for (const [json, message] of cases) {
      let caught: unknown;
      try {
        parsePresets(json, { maxOutputDimension: 4096 });
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(json)).toBeInstanceOf(Error);
      expect((caught as Error).message).toContain(message);
      expect((caught as Error).message).not.toContain('\n');
    }
  });
});
