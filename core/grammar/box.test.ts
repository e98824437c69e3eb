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
});
