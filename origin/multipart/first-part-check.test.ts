import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { pngHead, webpHead } from '../../test/helpers/image-heads.ts';
import { checkFirstPart } from './first-part-check.ts';

const limits = { maxInputPixels: 100_000_000 };

async function outcome(head: Buffer, wholeFile = false): Promise<string> {
  return checkFirstPart(head, { wholeFile, ...limits }).then(
    () => 'accepted',
    (error: unknown) => (isPixelfrontError(error) ? `${error.status} ${error.code}` : `unexpected ${String(error)}`),
  );
}

describe("multipart part 1's header check", () => {
  it('refuses a format pixelfront does not take: 415', async () => {
    expect(await outcome(randomBytes(64 * 1024))).toBe('415 unsupported_media_type');
    const bmp = Buffer.alloc(64 * 1024);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(40, 14);
    expect(await outcome(bmp)).toBe('415 unsupported_media_type');
  });

  it('refuses a header over MAX_INPUT_PIXELS: 422, PNG (read by sharp) and WebP (read here) alike', async () => {
    expect(await outcome(pngHead(12_000, 10_000))).toBe('422 image_too_large');
    expect(await outcome(webpHead(16_383, 16_383))).toBe('422 image_too_large');
    expect(await outcome(pngHead(4000, 3000))).toBe('accepted');
    expect(await outcome(webpHead(4000, 3000))).toBe('accepted');
  });

  it('reads the head of a real JPEG cut after its first 64 KiB, and lets a head cut before the header pass', async () => {
    const jpeg = await sharp({
      create: { width: 1200, height: 1000, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 30 }, background: '#000' },
    })
      .jpeg()
      .toBuffer();
    expect(jpeg.length).toBeGreaterThan(128 * 1024);
    expect(await outcome(jpeg.subarray(0, 64 * 1024))).toBe('accepted');
    // The SOF is not in the first 20 bytes: completion decides with the whole file.
    expect(await outcome(Buffer.concat([jpeg.subarray(0, 20), Buffer.alloc(64 * 1024)]))).toBe('accepted');
  });

  it('leaves to completion what the head cannot prove: an SVG, a short first part', async () => {
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="50000" height="50000">${' '.repeat(70_000)}`);
    expect(await outcome(svg)).toBe('accepted');
    // Under the sniff window and not the whole file: an SVG root may still be to come.
    expect(await outcome(randomBytes(1000))).toBe('accepted');
    // The whole file, though short, is judged.
    expect(await outcome(randomBytes(1000), true)).toBe('415 unsupported_media_type');
  });
});
