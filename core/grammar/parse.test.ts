import { describe, expect, it } from 'vitest';
import { PixelfrontError } from '../errors.ts';
import { builtInPresets } from '../presets.ts';
import { canonicalize, parseOps } from './canonical.ts';
import type { GrammarContext } from './context.ts';

const context: GrammarContext = { presets: builtInPresets, maxOutputDimension: 8192 };

describe('parseOps: valid inputs and their canonical form', () => {
  const table: [ops: string, canonical: string][] = [
    ['', ''],
    ['w_800', 'w_800'],
    ['w_0800', 'w_800'],
    ['h_300,w_400', 'w_400,h_300'],
    ['c_fit,w_400', 'w_400'],
    ['c_fill,w_400,h_300,g_center', 'c_fill,w_400,h_300'],
    ['c_fill,w_400,h_300,g_north_east', 'c_fill,w_400,h_300,g_north_east'],
    ['c_fill,w_400,h_300,g_auto', 'c_fill,w_400,h_300,g_auto'],
    ['c_fill,w_400,h_300,fp_0.50:0.250', 'c_fill,w_400,h_300,fp_0.5:0.25'],
    ['c_pad,w_400,h_400,b_FF0000', 'c_pad,w_400,h_400,b_ff0000'],
    ['c_pad,w_400,h_400,b_ff000080', 'c_pad,w_400,h_400,b_ff000080'],
    ['c_pad,w_400,h_400,b_FF0000FF', 'c_pad,w_400,h_400,b_ff0000'],
    ['b_ffffff', ''],
    ['c_scale,w_100,h_50', 'c_scale,w_100,h_50'],
    ['c_crop,w_100,h_50', 'c_crop,w_100,h_50'],
    ['c_crop,w_100,h_50,x_0,y_007', 'c_crop,w_100,h_50,y_7'],
    ['c_crop,w_100,ar_2:1,x_10', 'c_crop,w_100,h_50,x_10'],
    ['w_400,dpr_2', 'w_800'],
    ['w_400,dpr_1.50', 'w_600'],
    ['w_5,h_5,dpr_1.5', 'w_8,h_8'], // 7.5 rounds up
    ['dpr_2', ''],
    ['dpr_1.0,w_10', 'w_10'],
    ['w_1600,ar_16:9', 'w_1600,h_900'],
    ['h_900,ar_16:9', 'w_1600,h_900'],
    ['w_800,ar_32:18,dpr_2', 'w_1600,h_900'],
    ['w_100,ar_1.91:1', 'w_100,h_52'],
    ['c_fill,ar_1.91:1', 'c_fill,ar_191:100'],
    ['c_fill,ar_382:200', 'c_fill,ar_191:100'],
    ['c_pad,ar_16:9', 'c_pad,ar_16:9'],
    ['w_1,ar_100:1', 'w_1,h_1'],
    ['a_90', 'a_90'],
    ['a_090,w_10', 'w_10,a_90'],
    ['e_grayscale', 'e_grayscale'],
    ['e_greyscale', 'e_grayscale'],
    ['e_sharpen,e_blur:2.50,e_grayscale', 'e_blur:2.5,e_grayscale,e_sharpen'],
    ['e_sharpen:1.0', 'e_sharpen:1'],
    ['wm_logo', 'wm_logo'],
    ['wm_logo:south_east:100:20', 'wm_logo'],
    ['wm_logo:north', 'wm_logo:north'],
    ['wm_logo:south_east:50', 'wm_logo:south_east:50'],
    ['wm_my_logo:north_west:100:35', 'wm_my_logo:north_west:100:35'],
    ['q_80', 'q_80'],
    ['q_auto', 'q_auto'],
    ['q_auto:good', 'q_auto'],
    ['q_auto:eco', 'q_auto:eco'],
    ['q_auto:best,f_webp', 'q_auto:best,f_webp'],
    ['f_avif,q_auto:good,w_400', 'w_400,q_auto,f_avif'],
    ['q_080,f_webp', 'q_80,f_webp'],
    ['f_jpg', 'f_jpeg'],
    ['f_auto,w_300', 'w_300,f_auto'],
    [
      'f_avif,q_50,wm_x,b_000000,e_blur:1,a_270,c_fill,fp_0:1,h_20,w_10',
      'c_fill,w_10,h_20,fp_0:1,a_270,e_blur:1,b_000000,wm_x,q_50,f_avif',
    ],
    ['t_thumb', 'c_fill,w_200,h_200'],
    ['t_thumb,dpr_2', 'c_fill,w_400,h_400'],
    ['t_thumb,w_300', 'c_fill,w_300,h_200'],
    ['t_thumb,g_north', 'c_fill,w_200,h_200,g_north'],
    ['t_og,f_webp', 'c_fill,w_1200,h_630,f_webp'],
    ['t_hero,ar_16:9', 'w_1600,h_900'],
    ['t_hero', 'w_1600'],
    ['t_avatar,fp_0.5:0.2', 'c_fill,w_128,h_128,fp_0.5:0.2'],
    ['w_8192', 'w_8192'],
    ['w_4096,dpr_2', 'w_8192'],
    ['t_hero,dpr_4', 'w_6400'],
  ];
  it.each(table)('%s → %s', (ops, canonical) => {
    expect(canonicalize(ops, context).canonical).toBe(canonical);
    // The canonical form is a fixed point.
    expect(canonicalize(canonical, context).canonical).toBe(canonical);
  });

  it('yields a typed spec with dpr folded and defaults absent', () => {
    expect(parseOps('c_fill,w_200,h_100,dpr_2,g_center,e_blur:3,wm_logo:north:50,f_jpg', context)).toEqual({
      c: 'fill',
      w: 400,
      h: 200,
      e: [{ name: 'blur', sigma: 3 }],
      wm: { name: 'logo', gravity: 'north', opacity: 50, scale: 20 },
      f: 'jpeg',
    });
  });

  it('widens w and h to a larger MAX_OUTPUT_DIMENSION', () => {
    expect(canonicalize('w_10000', { ...context, maxOutputDimension: 12000 }).canonical).toBe('w_10000');
  });
});

describe('parseOps: invalid inputs are invalid_transform naming the item', () => {
  const table: [ops: string, message: string][] = [
    ['w_abc', 'w_abc: width must be an integer 1…8192'],
    ['w_0', 'w_0: width must be an integer 1…8192'],
    ['w_8193', 'w_8193: width must be an integer 1…8192'],
    ['w_-5', 'w_-5: width must be an integer 1…8192'],
    ['w_1.5', 'w_1.5: width must be an integer 1…8192'],
    ['h_99999999999999999999', 'h_99999999999999999999: height must be an integer 1…8192'],
    ['w_', 'w_: empty value'],
    ['w_1,,h_2', 'item 2 is empty'],
    [',w_1', 'item 1 is empty'],
    ['w_1,', 'item 2 is empty'],
    ['foo_1', 'foo_1: unknown op "foo"'],
    ['W_100', 'W_100: unknown op "W"'],
    ['w100', 'w100: expected key_value'],
    ['_100', '_100: expected key_value'],
    ['w_100,w_200', 'w_200: w given twice (also w_100)'],
    ['e_blur:1,e_blur:2', 'e_blur:2: effect blur given twice (also e_blur:1)'],
    ['e_grayscale,e_greyscale', 'effect grayscale given twice'],
    ['c_zoom', 'c_zoom: crop mode must be one of fit, fill, pad, scale, crop'],
    ['c_FILL,w_1', 'c_FILL: crop mode must be one of'],
    ['t_nope', 't_nope: unknown preset "nope"'],
    ['t_thumb,t_card', 't_card: t given twice'],
    ['c_fill,w_10,h_10,g_north,fp_0.5:0.5', 'fp_0.5:0.5: fp excludes g (g_north)'],
    ['c_fill,w_10,fp_1.5:0.5', 'fp_1.5:0.5: focal point must be X:Y with X and Y numbers 0…1'],
    ['c_fill,w_10,fp_0.5', 'fp_0.5: focal point must be X:Y'],
    ['w_10,fp_0.5:0.5', 'fp_0.5:0.5: fp applies only to c_fill'],
    ['w_10,g_north', 'g_north: g applies only to c_fill and c_pad'],
    ['c_crop,w_10,h_10,g_north', 'g_north: g applies only to c_fill and c_pad (c_crop places the region with x and y)'],
    ['g_sideways', 'g_sideways: gravity must be one of center'],
    ['x_10,w_5', 'x_10: x applies only to c_crop'],
    ['c_fill,w_5,y_1', 'y_1: y applies only to c_crop'],
    ['c_crop,w_10', 'c_crop needs w and h'],
    ['c_crop,w_10,h_10,dpr_2', 'dpr_2: dpr does not apply to c_crop'],
    ['c_fill', 'c_fill needs w, h or ar'],
    ['c_pad', 'c_pad needs w, h or ar'],
    ['c_scale,ar_1:1', 'c_scale needs w or h'],
    ['c_scale', 'c_scale needs w or h'],
    ['ar_16:9', 'ar_16:9: ar without w or h needs c_fill or c_pad'],
    ['w_10,h_10,ar_1:1', 'ar_1:1: ar needs only one of w and h (both are given)'],
    ['t_card,ar_1:1', 'ar_1:1: ar needs only one of w and h'],
    ['ar_16', 'ar_16: aspect ratio must be W:H'],
    ['ar_0:9,w_1', 'ar_0:9: aspect ratio must be W:H'],
    ['ar_1.234:1,w_1', 'ar_1.234:1: aspect ratio must be W:H'],
    ['dpr_5', 'dpr_5: dpr must be a number 1…4 with one decimal at most'],
    ['dpr_1.25', 'dpr_1.25: dpr must be a number 1…4 with one decimal at most'],
    ['dpr_0.5', 'dpr_0.5: dpr must be a number 1…4'],
    ['w_5000,dpr_2', 'w_5000,dpr_2: output width 10000 exceeds the maximum 8192'],
    ['h_3000,dpr_3', 'h_3000,dpr_3: output height 9000 exceeds the maximum 8192'],
    ['w_8000,ar_1:2', 'w_8000,ar_1:2: output height 16000 exceeds the maximum 8192'],
    ['h_300,ar_27:1,dpr_1.2', 'h_300,dpr_1.2,ar_27:1: output width 9720 exceeds the maximum 8192'],
    ['t_hero,dpr_6', 'dpr_6: dpr must be'],
    ['a_45', 'a_45: rotation must be one of 90, 180, 270'],
    ['a_0', 'a_0: rotation must be one of 90, 180, 270'],
    ['e_blur', 'e_blur: effect must be blur:S'],
    ['e_blur:0.1', 'e_blur:0.1: effect must be blur:S with S a number 0.3…100'],
    ['e_sharpen:11', 'e_sharpen:11: effect must be sharpen:S with S a number 0.5…10'],
    ['e_sepia', 'e_sepia: effect must be blur:S'],
    ['e_grayscale:1', 'e_grayscale:1: effect must be'],
    ['b_fff', 'b_fff: background must be a hex colour rrggbb or rrggbbaa'],
    ['b_gggggg', 'b_gggggg: background must be a hex colour'],
    ['wm_logo:up', 'wm_logo:up: watermark must be NAME[:GRAVITY[:OPACITY[:SCALE]]] with GRAVITY one of'],
    ['wm_logo:north:0', 'wm_logo:north:0: watermark must be NAME[:GRAVITY[:OPACITY[:SCALE]]] with OPACITY an integer 1…100'],
    ['wm_logo:north:50:101', 'with SCALE an integer 1…100'],
    ['wm_logo::50', 'with GRAVITY one of'],
    ['wm_lo.go', 'with NAME a watermark name'],
    ['wm_logo:north:50:20:1', 'wm_logo:north:50:20:1: watermark must be'],
    ['wm_logo:auto', 'with GRAVITY one of'],
    ['q_0', 'q_0: quality must be an integer 1…100, auto or auto:LEVEL with LEVEL one of eco, good, best'],
    ['q_best', 'q_best: quality must be an integer 1…100, auto or auto:LEVEL'],
    ['q_auto:', 'q_auto:: quality must be'],
    ['q_auto:low', 'q_auto:low: quality must be'],
    ['q_auto:GOOD', 'q_auto:GOOD: quality must be'],
    ['q_auto:good:1', 'q_auto:good:1: quality must be'],
    ['q_auto:80', 'q_auto:80: quality must be'],
    ['f_bmp', 'f_bmp: format must be one of auto, jpeg (jpg), png, webp, avif, jxl, gif'],
    ['f_JPEG', 'f_JPEG: format must be'],
    ['x'.repeat(1025), 'longer than 1024 characters'],
  ];
  it.each(table)('%s', (ops, message) => {
    let caught: unknown;
    try {
      parseOps(ops, context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PixelfrontError);
    expect(caught).toMatchObject({ code: 'invalid_transform', status: 400 });
    expect((caught as Error).message).toContain(message);
  });

  it('keeps q_auto in the spec (it is not the default) with one spelling per level', () => {
    expect(parseOps('q_auto', context)).toEqual({ q: 'auto' });
    expect(parseOps('q_auto:good', context)).toEqual(parseOps('q_auto', context));
    expect(parseOps('q_auto:eco', context)).toEqual({ q: 'auto:eco' });
    expect(parseOps('q_auto:best', context)).toEqual({ q: 'auto:best' });
    expect(parseOps('w_10', context).q).toBeUndefined();
    expect(() => parseOps('q_auto,q_80', context)).toThrow('q given twice');
  });

  it('names the preset an inherited item came from', () => {
    expect(() => parseOps('t_thumb,c_fit', context)).not.toThrow();
    expect(() => parseOps('t_avatar,c_fit', context)).toThrow('g_auto (from t_avatar): g applies only to c_fill and c_pad');
  });

  it('tells which preset a URL named (for statistics by preset), after expanding it', () => {
    expect(canonicalize('t_thumb,q_80', context)).toMatchObject({ preset: 'thumb', canonical: 'c_fill,w_200,h_200,q_80' });
    expect(canonicalize('c_fill,w_200,h_200', context).preset).toBeUndefined();
  });

  it('reports an invalid preset in a hand-built map as invalid_transform', () => {
    const broken: GrammarContext = {
      presets: new Map([
        ['a', 't_b'],
        ['bad', 'w_abc'],
      ]),
      maxOutputDimension: 8192,
    };
    expect(() => parseOps('t_a', broken)).toThrow('t_a: preset a refers to another preset (t_b)');
    expect(() => parseOps('t_bad', broken)).toThrow('w_abc (from t_bad): width must be an integer 1…8192');
  });

  it('does not resolve object prototype names as presets', () => {
    expect(() => parseOps('t___proto__', context)).toThrow('unknown preset');
    expect(() => parseOps('t_constructor', context)).toThrow('unknown preset');
  });

  it('respects a smaller MAX_OUTPUT_DIMENSION', () => {
    const small = { ...context, maxOutputDimension: 4096 };
    expect(() => parseOps('w_5000', small)).toThrow('w_5000: width must be an integer 1…4096');
    expect(() => parseOps('t_hero,dpr_3', small)).toThrow('w_1600 (from t_hero),dpr_3: output width 4800 exceeds the maximum 4096');
  });
});
