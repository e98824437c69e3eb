import sharp from 'sharp';
import type { DecodedImage } from '../ingest/decode.ts';

/**
 * The 64-bit perceptual hash stored with every raster image (issue 15, near-duplicates): the
 * classic DCT hash ("pHash"). The image ingest already decoded is shrunk to 32×32 grey (aspect
 * ignored: a resized copy hashes alike), a 2-D DCT-II is taken, and its 8×8 lowest frequencies
 * become 64 bits: 1 where a coefficient is above their median. Low frequencies survive
 * resizing, re-encoding and small brightness changes; which half of them is larger is what the
 * picture looks like at a glance. The DC row and column stay in (pHash.org drops them): on the
 * corpus, keeping them brought cropped copies 2–6 bits closer and distinct photos no closer, and
 * without them an image whose structure runs one way only (a gradient, a horizon) hashes as flat.
 */

export const HASH_SIDE = 32;
const LOW = 8;

/**
 * A coefficient below this is no structure: one grey level on one pixel moves a coefficient by
 * at most 1. An image without any (one flat colour) gets no hash, since the hash sees shapes,
 * not colours: every flat image would otherwise be everyone's near duplicate.
 */
const FLAT = 1;

/** The hash of an image ingest decoded (any size, 1…4 channels), as 16 lower-case hex digits; null for a flat image. */
export async function perceptualHash(decoded: DecodedImage): Promise<string | null> {
  const { data, info } = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: decoded.channels } })
    // Transparent pixels are shown on a light page, as the placeholder assumes.
    .flatten({ background: '#ffffff' })
    .resize({ width: HASH_SIDE, height: HASH_SIDE, fit: 'fill' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grey = new Float64Array(HASH_SIDE * HASH_SIDE);
  for (let index = 0; index < grey.length; index += 1) {
    const base = index * info.channels;
    const red = data[base] ?? 0;
    const green = info.channels >= 3 ? (data[base + 1] ?? 0) : red;
    const blue = info.channels >= 3 ? (data[base + 2] ?? 0) : red;
    grey[index] = 0.299 * red + 0.587 * green + 0.114 * blue;
  }
  return dctHash(grey);
}

/** cos((2x + 1)uπ / 2N) for u 0…LOW-1, x 0…N-1: the DCT-II basis rows the hash needs. */
const basis: Float64Array[] = Array.from({ length: LOW }, (_, u) =>
  Float64Array.from({ length: HASH_SIDE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_SIDE))),
);

/**
 * The hash of a 32×32 grey image (row-major, 0…255), null when it is flat. Only the 8×8
 * coefficients used are computed, separably (rows, then columns): 32·32·8 + 32·8·8 multiplications.
 */
export function dctHash(grey: ArrayLike<number>): string | null {
  if (grey.length !== HASH_SIDE * HASH_SIDE) throw new Error(`dctHash takes ${HASH_SIDE}×${HASH_SIDE} values, got ${grey.length}`);
  // rows[y][u] = Σx grey[y][x]·cos(u…x), u = 0…7
  const rows = new Float64Array(HASH_SIDE * LOW);
  for (let y = 0; y < HASH_SIDE; y += 1) {
    for (let u = 0; u < LOW; u += 1) {
      const cos = basis[u] as Float64Array;
      let sum = 0;
      for (let x = 0; x < HASH_SIDE; x += 1) sum += (grey[y * HASH_SIDE + x] ?? 0) * (cos[x] ?? 0);
      rows[y * LOW + u] = sum;
    }
  }
  const coefficients = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v += 1) {
    const cos = basis[v] as Float64Array;
    for (let u = 0; u < LOW; u += 1) {
      let sum = 0;
      for (let y = 0; y < HASH_SIDE; y += 1) sum += (rows[y * LOW + u] ?? 0) * (cos[y] ?? 0);
      coefficients[v * LOW + u] = sum;
    }
  }
  if (coefficients.every((value, index) => index === 0 || Math.abs(value) < FLAT)) return null;
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = ((sorted[31] ?? 0) + (sorted[32] ?? 0)) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble += 1) {
    let value = 0;
    for (let bit = 0; bit < 4; bit += 1) value = (value << 1) | ((coefficients[nibble * 4 + bit] ?? 0) > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}
