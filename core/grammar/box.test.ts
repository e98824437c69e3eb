import { describe, expect, it } from 'vitest';
import { builtInPresets } from '../presets.ts';
import { parseOps } from './canonical.ts';
import { targetBox } from './box.ts';

const context = { presets: builtInPresets, maxOutputDimension: 8192 };
const box = (ops: string, width: number, height: number) => targetBox(parseOps(ops, context), { width, height });

describe('targetBox', () => {
  it('passes w and h through when given', () => {
    expect(box('w_300', 1000, 500)).toEqual({ w: 300 });
    expect(box('c_fill,w_300,ar_3:1', 1000, 500)).toEqual({ w: 300, h: 100 });
    expect(box('f_webp', 1000, 500)).toEqual({});
  });

  it('takes the largest box of the ratio inside the source for c_fill', () => {
    expect(box('c_fill,ar_1:1', 1000, 500)).toEqual({ w: 500, h: 500 });
    expect(box('c_fill,ar_1:1', 500, 1000)).toEqual({ w: 500, h: 500 });
    expect(box('c_fill,ar_16:9', 1000, 1000)).toEqual({ w: 1000, h: 563 });
  });

  it('takes the smallest box of the ratio around the source for c_pad', () => {
    expect(box('c_pad,ar_1:1', 1000, 500)).toEqual({ w: 1000, h: 1000 });
    expect(box('c_pad,ar_1:1', 500, 1000)).toEqual({ w: 1000, h: 1000 });
    expect(box('c_pad,ar_16:9', 1000, 1000)).toEqual({ w: 1778, h: 1000 });
  });

  it('scales a derived box down to MAX_OUTPUT_DIMENSION, keeping the ratio', () => {
    const spec = parseOps('c_pad,ar_4:1', context);
    expect(targetBox(spec, { width: 8000, height: 8000 }, 8192)).toEqual({ w: 8192, h: 2048 });
    expect(targetBox(parseOps('c_fill,ar_1:1', context), { width: 20000, height: 10000 }, 8192)).toEqual({ w: 8192, h: 8192 });
  });

  it('refuses a derived box with a side of 1 px or less from the ratio (issue 14, item 7)', () => {
    const refused = (ops: string, width: number, height: number) => () => targetBox(parseOps(ops, context), { width, height }, 8192);
    // c_pad,ar_10000:0.01 on 320 × 240: the canvas would be 240 000 000 × 240, clamped 8192 × 0.
    expect(refused('c_pad,ar_10000:0.01', 320, 240)).toThrow(expect.objectContaining({ code: 'invalid_transform' }));
    expect(refused('c_fill,ar_10000:0.01', 320, 240)).toThrow(/ar_1000000:1/);
    expect(refused('c_fill,ar_100:1', 100, 50)).toThrow(/1 px/);
    expect(refused('c_pad,ar_0.01:10000', 320, 240)).toThrow(expect.objectContaining({ code: 'invalid_transform' }));
    // Two pixels, or a side the source itself has, are real sizes.
    expect(targetBox(parseOps('c_fill,ar_50:1', context), { width: 100, height: 50 }, 8192)).toEqual({ w: 100, h: 2 });
    expect(targetBox(parseOps('c_pad,ar_1:1', context), { width: 1, height: 1 }, 8192)).toEqual({ w: 1, h: 1 });
  });
});
