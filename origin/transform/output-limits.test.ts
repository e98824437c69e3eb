import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import type { TransformSpec } from '../../core/transform-spec.ts';
import { animatedWebp, solid } from '../../test/helpers/render.ts';
import { render } from './render.ts';

/**
 * Issue 14, items 5 and 7: the output is bounded, not only the request. A side the box leaves
 * open is fitted inside MAX_OUTPUT_DIMENSION (SPEC section 8), and the canvas after dpr, pad and
 * crop, all frames counted, must stay within MAX_OUTPUT_PIXELS.
 */
const limits = { maxInputPixels: 100_000_000, maxFrames: 500, timeoutMs: 30_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };

async function refusal(spec: TransformSpec, source: Buffer, extra: Partial<typeof limits> = {}, format: 'png' | 'webp' = 'png') {
  const error: unknown = await render({ source, spec, format, limits: { ...limits, ...extra } }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPixelfrontError(error)) throw new Error(`expected a PixelfrontError, got ${String(error)}`);
  return { code: error.code, status: error.status, detail: error.message };
}

describe('output dimension', () => {
  it('fits a side the box leaves open inside MAX_OUTPUT_DIMENSION (the 1 × 65535 GIF at w_300)', async () => {
    const tall = await sharp({ create: { width: 1, height: 65535, channels: 3, background: '#204080' } })
      .gif()
      .toBuffer();
    const result = await render({ source: tall, spec: { w: 300 }, format: 'png', limits });
    expect([result.width, result.height]).toEqual([1, 8192]);
  });

  it('fits an output without a box from a larger source inside the limit', async () => {
    const wide = await solid(9000, 30, '#00ff00');
    const result = await render({ source: wide, spec: {}, format: 'png', limits });
    expect([result.width, result.height]).toEqual([8192, 27]);
    const small = await render({
      source: wide,
      spec: { c: 'pad', w: 200, h: 200 },
      format: 'png',
      limits: { ...limits, maxOutputDimension: 100 },
    }).catch((e: unknown) => e);
    // A box over the limit is the grammar's 400; here the box was within the grammar's limit, the render's is lower.
    expect(isPixelfrontError(small) && small.code).toBe('invalid_transform');
  });
});

describe('MAX_OUTPUT_PIXELS', () => {
  it('refuses a pad canvas over the limit before decoding (c_pad,w_8192,h_8192 on 57 × 57)', async () => {
    const tiny = await solid(57, 57, '#ff0000');
    const started = performance.now();
    const refused = await refusal({ c: 'pad', w: 8192, h: 8192 }, tiny);
    expect(refused).toMatchObject({ code: 'invalid_transform', status: 400 });
    expect(refused.detail).toContain('8192x8192');
    expect(refused.detail).toContain('MAX_OUTPUT_PIXELS');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('counts the canvas exactly: at the limit passes, one row more is 400', async () => {
    const tiny = await solid(10, 10, '#ff0000');
    const small = { maxOutputPixels: 100 * 100 };
    expect((await render({ source: tiny, spec: { c: 'pad', w: 100, h: 100 }, format: 'png', limits: { ...limits, ...small } })).width).toBe(
      100,
    );
    expect(await refusal({ c: 'pad', w: 100, h: 101 }, tiny, small)).toMatchObject({ code: 'invalid_transform' });
    // A crop counts the region it keeps, a fit what it scales to.
    const big = await solid(300, 300, '#ff0000');
    expect(await refusal({ c: 'crop', w: 101, h: 100 }, big, small)).toMatchObject({ code: 'invalid_transform' });
    expect((await render({ source: big, spec: { w: 100 }, format: 'png', limits: { ...limits, ...small } })).height).toBe(100);
  });

  it('counts every frame of an animated output, and one frame of a still one', async () => {
    const anim = await animatedWebp(10, 20, 20);
    const small = { maxOutputPixels: 20 * 20 * 5 };
    expect(await refusal({}, anim, small, 'webp')).toMatchObject({ code: 'invalid_transform' });
    expect((await render({ source: anim, spec: {}, format: 'png', limits: { ...limits, ...small } })).frames).toBe(1);
  });
});
