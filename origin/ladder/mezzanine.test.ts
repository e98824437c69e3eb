import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeMezzanine } from './mezzanine.ts';

/** The DHT segments of a JPEG, each as its raw payload (after the length). */
function huffmanSegments(jpeg: Buffer): Buffer[] {
  const segments: Buffer[] = [];
  for (let offset = 2; offset + 4 <= jpeg.length;) {
    if (jpeg[offset] !== 0xff) break;
    const marker = jpeg[offset + 1];
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker === 0xc4) segments.push(jpeg.subarray(offset + 4, offset + 2 + length));
    if (marker === 0xda) break; // entropy-coded data follows
    offset += 2 + length;
  }
  return segments;
}

/** ITU T.81 Annex K.3, table K.3: the standard luminance DC code lengths (class 0, id 0). */
const STANDARD_LUMA_DC = Buffer.from([0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);

function noise(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let index = 0; index < data.length; index += 1) data[index] = (index * 7919 + (index >> 5) * 31) & 0xff;
  return data;
}

describe('encodeMezzanine', () => {
  it('writes a baseline JPEG q90 4:4:4 with the standard Huffman tables (no optimisation pass) and the same pixels as with it', async () => {
    const [width, height] = [320, 200];
    const data = noise(width, height);
    const jpeg = await encodeMezzanine({ data, width, height, channels: 3 }, { size: 320, width, height, format: 'jpeg' });
    const metadata = await sharp(jpeg).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width, height, chromaSubsampling: '4:4:4', isProgressive: false });
    const tables = Buffer.concat(huffmanSegments(jpeg));
    expect(tables.subarray(0, STANDARD_LUMA_DC.length)).toEqual(STANDARD_LUMA_DC);
    const optimised = await sharp(data, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90, chromaSubsampling: '4:4:4', optimiseCoding: true })
      .toBuffer();
    // The Huffman pass is lossless: only the bytes differ, never the pixels.
    expect(await sharp(jpeg).raw().toBuffer()).toEqual(await sharp(optimised).raw().toBuffer());
    expect(Buffer.concat(huffmanSegments(optimised)).subarray(0, STANDARD_LUMA_DC.length)).not.toEqual(STANDARD_LUMA_DC);
  });

  it('keeps alpha in WebP', async () => {
    const [width, height] = [64, 48];
    const data = Buffer.alloc(width * height * 4, 0x80);
    const webp = await encodeMezzanine({ data, width, height, channels: 4 }, { size: 64, width, height, format: 'webp' });
    expect(await sharp(webp).metadata()).toMatchObject({ format: 'webp', width, height, hasAlpha: true });
  });
});
