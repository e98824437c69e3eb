/**
 * Distances between 64-bit perceptual hashes, written as 16 lower-case hex digits, and the bands the
 * catalog indexes them by (multi-index hashing, Norouzi et al. 2012): the 64 bits are cut into
 * BAND_COUNT bands of 16 bits. Two hashes within distance d differ in at most floor(d / BAND_COUNT)
 * bits of at least one band (pigeonhole), so a lookup probes, in each band's index, every value
 * within that many bits of the query's band: a few hundred exact index probes instead of a scan.
 */

export const HASH_PATTERN = /^[0-9a-f]{16}$/;
export const BAND_COUNT = 4;
const BAND_BITS = 16;
/**
 * The largest distance a lookup takes. Past it, the probes per band grow past 2,500 and the
 * candidates towards a scan, and photos that merely look alike (same scene type) start to match.
 */
export const MAX_SIMILAR_DISTANCE = 16;

export type Bands = [number, number, number, number];

export function isPerceptualHash(value: string): boolean {
  return HASH_PATTERN.test(value);
}

/** Number of differing bits; both must be 16 hex digits. */
export function hammingDistance(a: string, b: string): number {
  let distance = 0;
  for (let offset = 0; offset < 16; offset += 8) {
    const x = Number.parseInt(a.slice(offset, offset + 8), 16) ^ Number.parseInt(b.slice(offset, offset + 8), 16);
    distance += popcount32(x);
  }
  return distance;
}

function popcount32(value: number): number {
  let v = value >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The hash's four 16-bit bands, most significant first (each 0…65535). */
export function hashBands(hash: string): Bands {
  const band = (index: number) => Number.parseInt(hash.slice(index * 4, index * 4 + 4), 16);
  return [band(0), band(1), band(2), band(3)];
}

/** Bits a band may differ in for a match within `distance` (pigeonhole over the bands). */
export function bandRadius(distance: number): number {
  return Math.floor(distance / BAND_COUNT);
}

/** Every 16-bit value within `radius` bits of `band`, the band itself first. */
export function bandNeighbours(band: number, radius: number): number[] {
  const out = [band];
  const flip = (from: number, value: number, left: number) => {
    for (let bit = from; bit < BAND_BITS; bit += 1) {
      const next = value ^ (1 << bit);
      out.push(next);
      if (left > 1) flip(bit + 1, next, left - 1);
    }
  };
  if (radius > 0) flip(0, band, radius);
  return out;
}
