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

describe('w_auto and dpr_auto in the grammar', () => {
  it.each([
    ['w_auto', 'w_auto', { wAuto: 800 }],
    ['w_auto:800', 'w_auto', { wAuto: 800 }],
    ['w_auto:0640', 'w_auto:640', { wAuto: 640 }],
    ['h_300,w_auto', 'w_auto,h_300', { wAuto: 800, h: 300 }],
    ['ar_16:9,c_fill,w_auto', 'c_fill,w_auto,ar_16:9', { c: 'fill', wAuto: 800, ar: [16, 9] }],
    ['w_auto,ar_2:1', 'w_auto,ar_2:1', { wAuto: 800, ar: [2, 1] }],
    ['w_auto,dpr_1', 'w_auto', { wAuto: 800 }],
    ['f_auto,w_auto:500,fl_progressive', 'w_auto:500,f_auto,fl_progressive', { wAuto: 500, f: 'auto', fl: 'progressive' }],
    ['t_thumb,w_auto', 'c_fill,w_auto,h_200', { c: 'fill', wAuto: 800, h: 200 }],
    ['dpr_auto,w_300', 'w_300,dpr_auto', { w: 300, dprAuto: true }],
    ['c_fill,h_100,w_200,dpr_auto', 'c_fill,w_200,h_100,dpr_auto', { c: 'fill', w: 200, h: 100, dprAuto: true }],
    ['w_300,ar_2:1,dpr_auto', 'w_300,h_150,dpr_auto', { w: 300, h: 150, dprAuto: true }],
    // Without w or h there is nothing for it to multiply, as with dpr_2.
    ['dpr_auto', '', {}],
    ['c_fill,ar_1:1,dpr_auto', 'c_fill,ar_1:1', { c: 'fill', ar: [1, 1] }],
  ])('%s is canonically %s', (ops, canonical, spec) => {
    const parsed = canonicalize(ops, context);
    expect(parsed.canonical).toBe(canonical);
    expect(parsed.spec).toEqual(spec);
    expect(canonicalOf(canonical)).toBe(canonical);
  });

  it.each([
    ['w_auto,dpr_2', 'w_auto: the width hint is in device pixels already, so w_auto takes no dpr (dpr_2)'],
    ['w_auto,dpr_auto', 'takes no dpr (dpr_auto)'],
    ['c_crop,w_auto,h_10', 'w_auto: w_auto does not apply to c_crop'],
    ['c_crop,w_10,h_10,dpr_auto', 'dpr does not apply to c_crop'],
    ['w_auto,h_10,ar_1:1', 'ar needs only one of w and h'],
    ['w_auto:8000,ar_1:2', 'output height 16000 exceeds the maximum 8192'],
    ['w_auto:0', 'width must be an integer 1…8192, auto or auto:FALLBACK'],
    ['w_auto:9000', 'width must be'],
    ['w_auto:', 'width must be'],
    ['w_Auto', 'width must be'],
    ['w_auto,w_300', 'w given twice'],
    ['dpr_auto:2', 'dpr must be a number 1…4 with one decimal at most, or auto'],
  ])('refuses %s', (ops, message) => {
    expect(refusal(ops)).toContain(message);
  });
});
