import sharp from 'sharp';
import type { DecodedImage } from '../ingest/decode.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { ladderKey } from '../storage/layout.ts';
import { MEZZANINE_KERNEL, type Rung } from './rungs.ts';

/**
 * Encoding of a mezzanine, chosen by measurement (README, Render ladder): JPEG q90 with full-size
 * chroma (4:4:4). 4:2:0 decodes ~2 ms faster a w_800 from the 1600 px rung but its renders lost
 * up to 0.29 dB against the direct render (c_fill 400 from a 1200 px rung), 4:4:4 none beyond
 * 0.1 dB at 300-800 px; q95 bought 0.02-0.05 dB for +45 % bytes and +2-4 ms. WebP q90 only where
 * alpha must be kept (PNG decoded 5 × slower, lossless WebP 10 ×). The Huffman pass is off
 * explicitly (sharp's default is on): it is lossless, so the pixels are the same, and for the
 * 2048 px mezzanine of the 12 MP photo it took ~22 of the encode's ~35 ms CPU for 1 % fewer bytes.
 */
const contentTypes = { jpeg: 'image/jpeg', webp: 'image/webp' } as const;

export async function encodeMezzanine(decoded: DecodedImage, rung: Rung): Promise<Buffer> {
  let image = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: decoded.channels } });
  if (decoded.width !== rung.width || decoded.height !== rung.height)
    image = image.resize({ width: rung.width, height: rung.height, fit: 'fill', kernel: MEZZANINE_KERNEL });
  return rung.format === 'jpeg'
    ? image.removeAlpha().jpeg({ quality: 90, chromaSubsampling: '4:4:4', optimiseCoding: false }).toBuffer()
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
