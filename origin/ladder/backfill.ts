import { fail } from '../../core/errors.ts';
import { heicAsPng } from '../heic/heic-as-png.ts';
import { decodeStrict } from '../ingest/decode.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { writeMezzanines } from './mezzanine.ts';
import type { LadderSource, Rung } from './rungs.ts';

/**
 * Makes the missing mezzanines of an image uploaded before the ladder (or whose mezzanine could
 * not be stored at ingest) from its original, the way ingest makes them: one decode, oriented,
 * sRGB, alpha kept, at the largest rung, then an encode per rung. The original passed strict
 * validation at its upload, so this decode may shrink on load.
 */
export async function backfillMezzanines(
  storage: ObjectStorage,
  image: LadderSource & { id: string },
  original: Buffer | string,
  missing: readonly Rung[],
  limits: { maxInputPixels: number; timeoutMs: number },
): Promise<{ key: string; bytes: number }[]> {
  const largest = missing.at(-1);
  if (largest === undefined) return [];
  const heif = image.format === 'avif' || image.format === 'heic';
  const deadline = Date.now() + limits.timeoutMs;
  // libvips cannot read HEVC: libheif (WASM) decodes it to a PNG first, as renders do.
  const input =
    image.format === 'heic'
      ? await heicAsPng(original, deadline, () => fail('unavailable', 'the HEIC original could not be decoded in time'))
      : original;
  const decoded = await decodeStrict({
    input,
    // libheif applies irot/imir itself: EXIF orientation must not be applied on top.
    layout: { kind: 'single', orient: !heif },
    width: image.width,
    height: image.height,
    side: largest.size,
    fullResolution: false,
    maxInputPixels: limits.maxInputPixels,
    deadline,
  });
  return writeMezzanines(storage, image.id, decoded, missing);
}
