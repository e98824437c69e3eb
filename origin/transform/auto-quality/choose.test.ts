import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { describe, expect, it } from 'vitest';
import type { AutoQuality, OutputFormat, TransformSpec } from '../../../core/transform-spec.ts';
import { corpusDir, hasCorpus } from '../../../test/helpers/corpus.ts';
import { render } from '../render.ts';
import { METRIC_MAX_PIXELS, metricSize } from './choose.ts';
import { qualityLadder, qualityTarget } from './targets.ts';

const limits = { maxInputPixels: 100_000_000, maxFrames: 500, timeoutMs: 60_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };

/** RGBA on white, as the search scores it. */
async function rgba(image: Buffer) {
  const { data, info } = await sharp(image)
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
}

/** SSIM of an output against the same spec rendered losslessly (PNG): the unencoded resized image. */
async function scoreOf(source: Buffer, spec: TransformSpec, output: Buffer): Promise<number> {
  const reference = await render({ source, spec: { ...spec, q: undefined }, format: 'png', limits });
  return ssim(await rgba(reference.data), await rgba(output), { ssim: 'bezkrovny', downsample: false }).mssim;
}

describe.skipIf(!hasCorpus)('q_auto on a corpus photo (real sharp, real SSIM)', () => {
  const levels = [
    ['auto:eco', 'eco'],
    ['auto', 'good'],
    ['auto:best', 'best'],
  ] as const satisfies readonly [AutoQuality, string][];

  it.each(['jpeg', 'webp'] as const)('%s: each level reaches its target with a quality of its ladder, in level order', async (format) => {
    const source = await readFile(`${corpusDir}valid/jpeg_exif_orientation_1_landscape.jpg`);
    const results = [];
    for (const [q, level] of levels) {
      const spec: TransformSpec = { w: 400, q };
      const result = await render({ source, spec, format, limits });
      const meta = await sharp(result.data).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format, 400, 267]);
      expect(qualityLadder(format, level)).toContain(result.quality);
      const score = await scoreOf(source, spec, result.data);
      // The top rung may fall short on a hard picture; otherwise the chosen encode keeps the target.
      if (result.quality !== qualityLadder(format, level).at(-1)) expect(score).toBeGreaterThanOrEqual(qualityTarget(format, level));
      results.push({ bytes: result.data.length, quality: result.quality ?? 0, score });
    }
    const [eco, good, best] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
    expect(eco.quality).toBeLessThan(best.quality);
    expect(eco.quality).toBeLessThanOrEqual(good.quality);
    expect(good.quality).toBeLessThanOrEqual(best.quality);
    expect(eco.bytes).toBeLessThan(best.bytes);
    expect(eco.score).toBeLessThan(best.score);
  });

  it('avif: q_auto picks a quality of its ladder and keeps the target', async () => {
    const source = await readFile(`${corpusDir}valid/avif_yuv_800x533.avif`);
    const spec: TransformSpec = { w: 300, q: 'auto' };
    const result = await render({ source, spec, format: 'avif', limits });
    expect(result.format).toBe('avif');
    expect([result.width, result.height]).toEqual([300, 200]);
    expect(qualityLadder('avif', 'good')).toContain(result.quality);
    if (result.quality !== qualityLadder('avif', 'good').at(-1)) {
      expect(await scoreOf(source, spec, result.data)).toBeGreaterThanOrEqual(qualityTarget('avif', 'good'));
    }
  });

  it.each(['png', 'gif', 'jxl'] as const satisfies readonly OutputFormat[])(
    '%s: q_auto encodes as with no q (no search)',
    async (format) => {
      const source = await readFile(`${corpusDir}valid/jpeg_icc_exif_flower.jpg`);
      const auto = await render({ source, spec: { w: 100, q: 'auto' }, format, limits });
      const plain = await render({ source, spec: { w: 100 }, format, limits });
      expect(auto.quality).toBeUndefined();
      expect(auto.data.equals(plain.data)).toBe(true);
    },
  );

  it('scores outputs over 1 MP at 1 MP', () => {
    expect(metricSize(800, 600)).toEqual({ width: 800, height: 600 });
    const { width, height } = metricSize(4000, 3000);
    expect(width * height).toBeLessThanOrEqual(METRIC_MAX_PIXELS * 1.01);
    expect(width / height).toBeCloseTo(4 / 3, 2);
  });
});
