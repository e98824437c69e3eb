import { encode } from 'blurhash';
import sharp from 'sharp';
import type { DecodedImage } from './decode.ts';

/**
 * The placeholder stored with every image (SPEC section 4 `placeholder`): a BlurHash and a
 * dominant colour, both computed from a thumbnail of at most THUMBNAIL_SIZE pixels a side.
 */

export const THUMBNAIL_SIZE = 32;

export interface Placeholder {
  blurhash: string;
  /** '#rrggbb' */
  dominantColor: string;
}

export interface RgbaThumbnail {
  /** width × height × 4 bytes, RGBA, straight (not premultiplied) alpha, as sharp's raw output is. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Thumbnail size for a source of width × height: the longer side becomes THUMBNAIL_SIZE (never upscaled). */
export function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMBNAIL_SIZE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The placeholder of an image decoded at ingest (any size): its thumbnail, then BlurHash and colour. */
export async function placeholderOf(decoded: DecodedImage): Promise<Placeholder> {
  const size = thumbnailSize(decoded.width, decoded.height);
  const { data, info } = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: decoded.channels } })
    .resize({ ...size, fit: 'fill', kernel: 'linear' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return placeholderFromThumbnail({ data, width: info.width, height: info.height });
}

export function placeholderFromThumbnail(thumbnail: RgbaThumbnail): Placeholder {
  const flat = flattenOnWhite(thumbnail);
  // 4 components along the longer side, 3 along the shorter: the usual BlurHash choice.
  const landscape = thumbnail.width >= thumbnail.height;
  const blurhash = encode(flat, thumbnail.width, thumbnail.height, landscape ? 4 : 3, landscape ? 3 : 4);
  return { blurhash, dominantColor: dominantColor(thumbnail, flat) };
}

/** Transparent images are shown on a light page, so their placeholder is too. */
function flattenOnWhite({ data, width, height }: RgbaThumbnail): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let index = 0; index < out.length; index += 4) {
    const alpha = (data[index + 3] ?? 255) / 255;
    for (let channel = 0; channel < 3; channel += 1) {
      const value = data[index + channel] ?? 0;
      out[index + channel] = value * alpha + 255 * (1 - alpha);
    }
    out[index + 3] = 255;
  }
  return out;
}

/**
 * The most common colour, in a 16×16×16 histogram of the (mostly) opaque pixels, averaged
 * within its bin; falls back to the flattened pixels when nothing is opaque.
 */
function dominantColor(thumbnail: RgbaThumbnail, flat: Uint8ClampedArray): string {
  const { data } = thumbnail;
  const opaque = histogram(data, (index) => (data[index + 3] ?? 255) >= 128);
  const { bins } = opaque.total > 0 ? opaque : histogram(flat, () => true);
  let best: Bin | undefined;
  for (const bin of bins.values()) if (best === undefined || bin.count > best.count) best = bin;
  if (best === undefined) return '#ffffff';
  const count = best.count;
  return `#${best.sum
    .map((sum) =>
      Math.round(sum / count)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

interface Bin {
  count: number;
  sum: [number, number, number];
}

function histogram(data: ArrayLike<number>, include: (index: number) => boolean): { bins: Map<number, Bin>; total: number } {
  const bins = new Map<number, Bin>();
  let total = 0;
  for (let index = 0; index + 3 < data.length; index += 4) {
    if (!include(index)) continue;
    const red = data[index] ?? 0;
    const green = data[index + 1] ?? 0;
    const blue = data[index + 2] ?? 0;
    const key = ((red >> 4) << 8) | ((green >> 4) << 4) | (blue >> 4);
    const bin = bins.get(key) ?? { count: 0, sum: [0, 0, 0] };
    bin.count += 1;
    bin.sum[0] += red;
    bin.sum[1] += green;
    bin.sum[2] += blue;
    bins.set(key, bin);
    total += 1;
  }
  return { bins, total };
}
