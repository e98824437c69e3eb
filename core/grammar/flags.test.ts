import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../errors.ts';
import { builtInPresets } from '../presets.ts';
import { canonicalize } from './canonical.ts';
import type { GrammarContext } from './context.ts';

const context: GrammarContext = { presets: builtInPresets, maxOutputDimension: 8192 };
const canonicalOf = (ops: string) => canonicalize(ops, context).canonical;

function refusal(ops: string): string {
  try {
    canonicalize(ops, context);
  } catch (error) {
    if (isPixelfrontError(error) && error.code === 'invalid_transform') return error.message;
    throw error;
  }
  throw new Error(`${ops} was accepted`);
}

describe('fl (flags)', () => {
  it.each([
    ['fl_progressive', 'fl_progressive'],
    ['fl_progressive,w_300', 'w_300,fl_progressive'],
    ['f_jpg,fl_progressive', 'f_jpeg,fl_progressive'],
    ['fl_progressive,f_auto,q_70', 'q_70,f_auto,fl_progressive'],
    ['t_thumb,fl_progressive', 'c_fill,w_200,h_200,fl_progressive'],
  ])('%s is canonically %s', (ops, canonical) => {
    expect(canonicalOf(ops)).toBe(canonical);
    expect(canonicalOf(canonical)).toBe(canonical);
  });

  it('puts the flag in the spec', () => {
    expect(canonicalize('w_10,fl_progressive', context).spec).toEqual({ w: 10, fl: 'progressive' });
  });

  it.each([
    ['fl_lossy', 'fl_lossy: flag must be one of progressive'],
    ['fl_Progressive', 'fl_Progressive: flag must be one of progressive'],
    ['fl_', 'fl_: empty value'],
    ['fl_progressive,fl_progressive', 'fl given twice'],
    ['fl_progressive,f_webp', 'fl_progressive: progressive applies only to JPEG outputs (f_jpeg, f_auto or no f), not f_webp'],
    ['f_png,fl_progressive', 'not f_png'],
  ])('refuses %s', (ops, message) => {
    expect(refusal(ops)).toContain(message);
  });
});
