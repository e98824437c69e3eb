import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { planGeometry } from '../geometry.ts';
import { render } from '../render.ts';
import { uniformSide } from './crop-resize.ts';

const limits = { maxInputPixels: 100_000_000, maxFrames: 500, timeoutMs: 30_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };

/** A JPEG with detail in it, so the decoder's shrink-on-load applies as it does to photos. */
function noiseJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

describe('uniform resizes', () => {
  it('gives sharp one side where it derives the planned other side, both where the rounding is ambiguous', () => {
    // 4032 × 3024 → 799 wide: 599.25 rows; 790 wide: exactly 592.5, which sharp's floating point may round either way.
    expect(uniformSide({ width: 4032, height: 3024 }, { width: 799, height: 599 })).toEqual({ width: 799 });
    expect(uniformSide({ width: 4032, height: 3024 }, { width: 790, height: 593 })).toBeUndefined();
    expect(uniformSide({ width: 3024, height: 4032 }, { width: 599, height: 799 })).toEqual({ width: 599 });
    // A distorting c_scale is no uniform resize.
    expect(uniformSide({ width: 4032, height: 3024 }, { width: 800, height: 300 })).toBeUndefined();
  });

  it('keeps every planned output size exactly, from JPEGs that shrink on load and from PNG', async () => {
    const sources = [
      { width: 2725, height: 2225, data: await noiseJpeg(2725, 2225) },
      { width: 1601, height: 1067, data: await noiseJpeg(1601, 1067) },
      { width: 333, height: 500, data: await noiseJpeg(333, 500) },
      {
        width: 1001,
        height: 667,
        data: await sharp(await noiseJpeg(1001, 667))
          .png({ compressionLevel: 1 })
          .toBuffer(),
      },
    ];
    for (const source of sources) {
      for (let width = 37; width < source.width; width += Math.ceil(source.width / 23)) {
        const plan = planGeometry(source, { w: width }, { animated: false });
        const result = await render({ source: source.data, spec: { w: width }, format: 'jpeg', limits });
        expect([source.width, width, result.width, result.height]).toEqual([source.width, width, plan.width, plan.height]);
      }
    }
  }, 60_000);
});
