import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import { estimateMezzanineCost } from '../ladder/ladder-store.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { probeSource, readSourceHeader } from './probe.ts';
import { estimateRenderCost, type RenderCost } from './render-cost.ts';

/** Issue 20 decision 1 and issue 14 item 5: a render's cost, from the source header alone. */
const limits = { maxInputPixels: 100_000_000, maxFrames: 1000, timeoutMs: 30_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };
const MiB = 1024 * 1024;

async function cost(
  source: Buffer,
  spec: TransformSpec,
  format: OutputFormat,
  original?: { width: number; height: number },
): Promise<RenderCost> {
  const header = await readSourceHeader(source);
  const info = await probeSource(source, spec, format, limits, header);
  return estimateRenderCost({ header, info, spec, format, original, limits });
}

const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#5a7d9a' } }).resize(width, height);

describe('render cost estimate', () => {
  let jpeg: Buffer;
  let progressive: Buffer;
  let png: Buffer;
  let interlaced: Buffer;
  let png16: Buffer;
  let tiny: Buffer;
  beforeAll(async () => {
    // 4000 × 3000: the 12 MP photo's class. Flat pixels: only the headers matter here.
    jpeg = await photo(4000, 3000).jpeg().toBuffer();
    progressive = await photo(4000, 3000).jpeg({ progressive: true }).toBuffer();
    png = await photo(4000, 3000).png({ compressionLevel: 1 }).toBuffer();
    interlaced = await photo(4000, 3000).png({ progressive: true, compressionLevel: 1 }).toBuffer();
    png16 = await photo(4000, 3000).toColourspace('rgb16').png({ compressionLevel: 1 }).toBuffer();
    tiny = await photo(57, 57).png().toBuffer();
  });

  it('counts a JPEG decoded after shrink-on-load: w_800 of 12 MP costs a fraction of the full-size render', async () => {
    const small = await cost(jpeg, { w: 800 }, 'jpeg');
    const full = await cost(jpeg, { w: 4000 }, 'jpeg');
    // Shrunk by 2 at least (4000 → 2000 rows of 3 bands ≈ 4.5 MB) plus 0.48 MP of output, on 8 MiB.
    expect(small.bytes).toBeLessThan(24 * MiB);
    // Whole-size: 36 MB decoded + 12 MP × 6 B of JPEG encode.
    expect(full.bytes).toBeGreaterThan(100 * MiB);
    expect(full.ms).toBeGreaterThan(small.ms);
  });

  it('counts every coefficient of a progressive JPEG, and the whole of an interlaced PNG', async () => {
    const baseline = await cost(jpeg, { w: 800 }, 'jpeg');
    const progressiveCost = await cost(progressive, { w: 800 }, 'jpeg');
    // 12 MP × 1.5 components (4:2:0) × 2 bytes.
    expect(progressiveCost.bytes - baseline.bytes).toBeGreaterThanOrEqual(36_000_000);
    const sequential = await cost(png, { w: 800 }, 'jpeg');
    const whole = await cost(interlaced, { w: 800 }, 'jpeg');
    expect(sequential.bytes).toBeLessThan(4000 * 3000 * 3);
    expect(whole.bytes).toBeGreaterThan(4000 * 3000 * 3);
  });

  it('counts bytes per sample: a 16-bit PNG window is twice the 8-bit one', async () => {
    const eight = await cost(png, { w: 800 }, 'jpeg');
    const sixteen = await cost(png16, { w: 800 }, 'jpeg');
    const window = 4000 * 3 * 2048;
    expect(sixteen.bytes - eight.bytes).toBeGreaterThanOrEqual(window * 0.99);
    expect(sixteen.ms).toBeGreaterThan(eight.ms);
  });

  it('counts the output canvas: a pad of a 57 × 57 PNG to 6000 × 6000 is priced by its 36 MP, per encoder', async () => {
    const spec: TransformSpec = { c: 'pad', w: 6000, h: 6000 };
    const avif = await cost(tiny, spec, 'avif');
    const webp = await cost(tiny, spec, 'webp');
    const jpegOut = await cost(tiny, spec, 'jpeg');
    const pngOut = await cost(tiny, spec, 'png');
    // AVIF encodes the whole picture at ~20 B a pixel (482 MiB measured for this pad): over the 512 MiB default budget.
    expect(avif.bytes).toBeGreaterThan(512 * MiB);
    expect(avif.bytes).toBeGreaterThan(webp.bytes);
    expect(webp.bytes).toBeLessThan(jpegOut.bytes);
    // PNG streams: a window of rows, not the canvas.
    expect(pngOut.bytes).toBeLessThan(128 * MiB);
    // The padded part is one colour: AVIF passes over it far faster than over a picture of that size.
    const picture = await cost(jpeg, { w: 4000 }, 'avif');
    expect(avif.ms / 36).toBeLessThan(picture.ms / 12 / 3);
    expect(picture.ms).toBeGreaterThan(10 * (await cost(jpeg, { w: 4000 }, 'jpeg')).ms);
    // The source is 57 × 57: the same pad at 600 px costs a hundredth of the pixels.
    expect((await cost(tiny, { c: 'pad', w: 600, h: 600 }, 'avif')).bytes).toBeLessThan(avif.bytes / 20);
  });

  it('counts a blur by its sigma: working memory and time grow with it', async () => {
    const plain = await cost(jpeg, { w: 4000 }, 'jpeg');
    const light = await cost(jpeg, { w: 4000, e: [{ name: 'blur', sigma: 10 }] }, 'jpeg');
    const heavy = await cost(jpeg, { w: 4000, e: [{ name: 'blur', sigma: 100 }] }, 'jpeg');
    expect(light.bytes).toBeGreaterThan(plain.bytes + 12_000_000 * 2);
    expect(heavy.bytes).toBeGreaterThan(light.bytes);
    expect(heavy.ms).toBeGreaterThan(light.ms + 1000);
  });

  it("counts q_auto's search: three encodes, their scores and the metric worker, on lossy stills only", async () => {
    const fixed = await cost(jpeg, { w: 800 }, 'webp');
    const searched = await cost(jpeg, { w: 800, q: 'auto' }, 'webp');
    expect(searched.bytes - fixed.bytes).toBeGreaterThan(56 * MiB);
    expect(searched.ms).toBeGreaterThan(3 * fixed.ms);
    // PNG has no quality to search: q_auto encodes it as with no q.
    expect(await cost(jpeg, { w: 800, q: 'auto' }, 'png')).toEqual(await cost(jpeg, { w: 800 }, 'png'));
  });

  it('counts a quarter turn as the whole turned image', async () => {
    const plain = await cost(jpeg, { w: 4000 }, 'png');
    const turned = await cost(jpeg, { w: 4000, a: 90 }, 'png');
    expect(turned.bytes - plain.bytes).toBe(4000 * 3000 * 3);
  });

  it('prices a mezzanine render by the mezzanine decoded, on the plan made on the original', async () => {
    const mezzanine = await photo(2048, 1536).jpeg().toBuffer();
    // 4000 → 1500 leaves no room to shrink on load: 36 MB decoded; the mezzanine is 9.4 MB.
    const fromOriginal = await cost(jpeg, { w: 1500 }, 'jpeg');
    const fromMezzanine = await cost(mezzanine, { w: 1500 }, 'jpeg', { width: 4000, height: 3000 });
    expect(fromOriginal.bytes - fromMezzanine.bytes).toBeGreaterThan(26_000_000);
    expect(fromMezzanine.ms).toBeLessThan(fromOriginal.ms);
    // A crop of the original maps onto the mezzanine: c_crop 1000 × 1000 gives a 1000 × 1000 output either way.
    const crop: TransformSpec = { c: 'crop', w: 1000, h: 1000 };
    expect((await cost(mezzanine, crop, 'jpeg', { width: 4000, height: 3000 })).bytes).toBeLessThan((await cost(jpeg, crop, 'jpeg')).bytes);
  });

  it('refuses an output over MAX_OUTPUT_PIXELS before estimating (400, nothing decoded)', async () => {
    const error: unknown = await cost(tiny, { c: 'pad', w: 8192, h: 8192 }, 'avif').catch((caught: unknown) => caught);
    expect(isPixelfrontError(error) && error.code).toBe('invalid_transform');
  });

  it('prices a mezzanine backfill from the catalog row: the largest rung decoded once, its pixels held', () => {
    const image = { id: 'x', format: 'jpeg', width: 4000, height: 3000, hasAlpha: false } as ImageRecord;
    const one = estimateMezzanineCost(image, [{ size: 2048, width: 2048, height: 1536, format: 'jpeg' }]);
    const two = estimateMezzanineCost(image, [
      { size: 1024, width: 1024, height: 768, format: 'jpeg' },
      { size: 2048, width: 2048, height: 1536, format: 'jpeg' },
    ]);
    expect(one.bytes).toBeGreaterThan(2048 * 1536 * 3);
    expect(two.bytes).toBe(one.bytes);
    expect(two.ms).toBeGreaterThan(one.ms);
    expect(
      estimateMezzanineCost({ ...image, format: 'heic' }, [{ size: 2048, width: 2048, height: 1536, format: 'jpeg' }]).bytes,
    ).toBeGreaterThan(4000 * 3000 * 14);
  });
});
