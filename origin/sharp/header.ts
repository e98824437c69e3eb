import sharp, { type Metadata } from 'sharp';
import type { PixelfrontError } from '../../core/errors.ts';

/**
 * Reads an image's header only (no pixels), for uploads and renders alike. sharp's own pixel limit
 * is lifted: the callers apply theirs (counting frames or pages) with a message naming the size.
 * `failed` turns sharp's error into the caller's answer (sourceError, or an upload's 422).
 */
export async function readHeader(
  input: Buffer | string,
  failed: (error: unknown) => PixelfrontError,
  options: { page?: number } = {},
): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false, ...options }).metadata();
  } catch (error) {
    throw failed(error);
  }
}
