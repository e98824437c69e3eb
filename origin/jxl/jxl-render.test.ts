import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fail } from '../../core/errors.ts';
import { corpusManifest, corpusPath, hasCorpus, type CorpusEntry } from '../../test/helpers/corpus.ts';
import { decodeJxl, isJxl, meanDifference } from '../../test/helpers/jxl.ts';
import { render } from '../transform/render.ts';
import { JxlEncoderPool } from './encoder-pool.ts';
import { JXL_MAX_PIXELS } from './settings.ts';

/**
 * JPEG XL outputs (issue 19) decoded back with libjxl: the size the render reports, and pixels
 * close to the WebP render of the same spec, for every decodable photo and graphic of the corpus.
 */

const limits = { maxInputPixels: 100_000_000, maxFrames: 500, timeoutMs: 60_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };
const decodable = corpusManifest().filter((entry) => entry.expect === 'ok' && !entry.requires?.some((feature) => feature !== 'heic'));

function expectedSize(entry: CorpusEntry): [number, number] {
  const [width, height] = entry.display_size ?? [0, 0];
  const target = entry.format === 'svg' ? 200 : Math.min(200, width);
  return [target, Math.round((target * height) / width)];
}

describe.skipIf(!hasCorpus)('f_jxl renders of the corpus', () => {
  it(`every decodable ok file (${decodable.length}) decodes back at its size, alike the WebP render`, { timeout: 240_000 }, async () => {
    const problems: string[] = [];
    for (const entry of decodable) {
      const source = corpusPath(entry);
      const [jxl, webp] = await Promise.all([
        render({ source, spec: { w: 200, f: 'jxl' }, format: 'jxl', limits }),
        render({ source, spec: { w: 200, f: 'webp' }, format: 'webp', limits }),
      ]);
      const decoded = await decodeJxl(jxl.data);
      const [width, height] = expectedSize(entry);
      if (!isJxl(jxl.data) || jxl.contentType !== 'image/jxl') problems.push(`${entry.file}: not a JPEG XL (${jxl.contentType})`);
      if (
        decoded.width !== width ||
        Math.abs(decoded.height - height) > 1 ||
        decoded.width !== jxl.width ||
        decoded.height !== jxl.height
      ) {
        problems.push(
          `${entry.file}: decoded ${decoded.width}x${decoded.height}, reported ${jxl.width}x${jxl.height}, expected ${width}x${height}`,
        );
      }
      const sample = { width: Math.min(64, width), height: Math.max(1, Math.min(64, height)) };
      const same = await meanDifference(decoded.png, webp.data, sample.width, sample.height);
      // Both lossy at their defaults: measured ≤ 4.6 on the photos and up to 9 on small synthetic
      // PNGs (sharp edges, where VarDCT rings more than WebP); a colour or orientation slip is far more.
      if (same > 12) problems.push(`${entry.file}: mean difference ${same.toFixed(1)} against the WebP render`);
    }
    expect(problems).toEqual([]);
  });

  it('the comparison can fail: the WebP render turned upside down is far from the JPEG XL', async () => {
    const photo = decodable.find((entry) => entry.file.includes('jpeg_baseline_photo'));
    if (photo === undefined) return;
    const jxl = await render({ source: corpusPath(photo), spec: { w: 200 }, format: 'jxl', limits });
    const webp = await render({ source: corpusPath(photo), spec: { w: 200 }, format: 'webp', limits });
    const turned = await sharp(webp.data).rotate(180).png().toBuffer();
    const decoded = await decodeJxl(jxl.data);
    const same = await meanDifference(decoded.png, webp.data, 64, 52);
    expect(await meanDifference(decoded.png, turned, 64, 52)).toBeGreaterThan(4 * same);
  });

  it('keeps alpha: a transparent corner stays transparent', async () => {
    const source = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } })
      .composite([
        {
          input: await sharp({ create: { width: 20, height: 20, channels: 4, background: '#ff0000ff' } })
            .png()
            .toBuffer(),
          left: 20,
          top: 20,
        },
      ])
      .png()
      .toBuffer();
    const result = await render({ source, spec: {}, format: 'jxl', limits });
    const { data } = await sharp((await decodeJxl(result.data)).png)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[3]).toBeLessThan(10);
    const bottomRight = (39 * 40 + 39) * 4;
    expect([data[bottomRight], data[bottomRight + 3]]).toEqual([expect.any(Number), 255]);
    expect(data[bottomRight] ?? 0).toBeGreaterThan(200);
  });
});

describe('JPEG XL limits', () => {
  it(`an output over ${JXL_MAX_PIXELS} pixels is 400 before any decode`, async () => {
    const source = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const error = await render({ source, spec: { w: 5000, h: 5000, c: 'pad' }, format: 'jxl', limits }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_transform', status: 400 });
    expect(String((error as Error).message)).toMatch(/JPEG XL/);
  });

  it('a job past its deadline ends its worker, and the pool encodes the next one', { timeout: 60_000 }, async () => {
    const pool = new JxlEncoderPool(1);
    try {
      const size = { width: 2000, height: 1500 };
      const rgba = await sharp({
        create: { ...size, channels: 4, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
      })
        .raw()
        .toBuffer();
      const started = performance.now();
      const late = pool.encode({ rgba, ...size, quality: 75, effort: 7 }, Date.now() + 100, () => fail('unavailable', 'deadline'));
      // A second job waiting behind it with a deadline of its own is refused at that deadline, not later.
      const waiting = pool.encode({ rgba, ...size, quality: 75, effort: 3 }, Date.now() + 200, () => fail('unavailable', 'deadline'));
      await expect(late).rejects.toMatchObject({ code: 'unavailable' });
      await expect(waiting).rejects.toMatchObject({ code: 'unavailable' });
      expect(performance.now() - started).toBeLessThan(2_000);
      const small = await sharp({ create: { width: 64, height: 48, channels: 4, background: '#336699' } })
        .raw()
        .toBuffer();
      const encoded = await pool.encode({ rgba: small, width: 64, height: 48, quality: 75, effort: 3 }, Date.now() + 30_000, () =>
        fail('unavailable', 'deadline'),
      );
      expect(await decodeJxl(encoded)).toMatchObject({ width: 64, height: 48 });
      expect(pool.threads).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
