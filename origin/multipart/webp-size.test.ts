import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { webpSize } from './webp-size.ts';

describe('webpSize', () => {
  const image = (width: number, height: number) => sharp({ create: { width, height, channels: 4, background: '#33669980' } });

  it('reads lossy, lossless and extended WebP heads as sharp reads the whole file', async () => {
    const files: Array<[kind: string, bytes: Buffer]> = [
      ['VP8 ', await image(1021, 333).removeAlpha().webp({ quality: 50 }).toBuffer()],
      ['VP8L', await image(1021, 333).webp({ lossless: true }).toBuffer()],
      // Alpha in a lossy WebP makes an extended (VP8X) file.
      ['VP8X', await image(16383, 7).webp({ quality: 50 }).toBuffer()],
    ];
    for (const [kind, bytes] of files) {
      expect(bytes.subarray(12, 16).toString('latin1')).toBe(kind);
      const whole = await sharp(bytes).metadata();
      expect(webpSize(bytes.subarray(0, 30))).toEqual({ width: whole.width, height: whole.height });
    }
  });

  it('answers undefined for what is not a WebP head', () => {
    expect(webpSize(Buffer.from('RIFF\0\0\0\0WEBPVP8 ' + '\0'.repeat(20)))).toBeUndefined();
    expect(webpSize(Buffer.from('not a webp at all, but thirty bytes long'))).toBeUndefined();
    expect(webpSize(Buffer.alloc(10))).toBeUndefined();
  });
});
