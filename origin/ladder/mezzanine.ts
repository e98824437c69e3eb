import sharp from 'sharp';
import type { DecodedImage } from '../ingest/decode.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { ladderKey } from '../storage/layout.ts';
import type { Rung } from './rungs.ts';

/**
 * Encoding of a mezzanine, chosen by measurement (README, Render ladder): JPEG q90 4:2:0 without
 * Huffman optimisation decodes fastest of the lossy candidates at the smallest size; WebP q90 only
 * where alpha must be kept (PNG decoded 5 × slower, lossless WebP 10 ×). The Huffman pass is off
 * explicitly (sharp's default is on): it is lossless, so the pixels are the same, and for the
 * 2048 px mezzanine of the 12 MP photo it took ~22 of the encode's ~35 ms CPU for 1 % fewer bytes.
 */
const contentTypes = { jpeg: 'image/jpeg', webp: 'image/webp' } as const;

export async function encodeMezzanine(decoded: DecodedImage, rung: Rung): Promise<Buffer> {
  let image = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: decoded.channels } });
  if (decoded.width !== rung.width || decoded.height !== rung.height)
    image = image.resize({ width: rung.width, height: rung.height, fit: 'fill' });
  return rung.format === 'jpeg'
    ? image.removeAlpha().jpeg({ quality: 90, chromaSubsampling: '4:2:0', optimiseCoding: false }).toBuffer()
    : image.webp({ quality: 90, alphaQuality: 100, effort: 2 }).toBuffer();
}

/** Encodes and stores every rung from one decoded image, largest first; returns the keys and sizes written. */
export async function writeMezzanines(
  storage: ObjectStorage,
  imageId: string,
  decoded: DecodedImage,
  rungs: readonly Rung[],
): Promise<{ key: string; bytes: number }[]> {
  const written: { key: string; bytes: number }[] = [];
  for (const rung of [...rungs].reverse()) {
    const key = ladderKey(imageId, rung.size, rung.format);
    const info = await storage.put(key, await encodeMezzanine(decoded, rung), { contentType: contentTypes[rung.format] });
    written.push({ key, bytes: info.size });
  }
  return written;
}
