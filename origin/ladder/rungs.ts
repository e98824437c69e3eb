/**
 * Which mezzanines (downscaled, oriented sRGB copies kept beside the original, stored at
 * `ladderKey` of storage/layout.ts) an image gets. Pure, so ingest, render source selection and
 * the backfill agree without asking storage.
 */

/**
 * A rung is made only for sources whose longer side is at least this many times the rung: below
 * that the mezzanine saves too little decoding to pay for its storage and ingest encode. Measured
 * (README, Render ladder): w_600 of the 6 MP photo (2725 px, 1.7 × a 1600 rung) cost 22.5 ms of
 * CPU from a 1600 px mezzanine against 25.5 from the original; w_800 of the 12 MP photo (2.5 ×)
 * 25 against 55.
 */
export const LADDER_MIN_RATIO = 2;

export type MezzanineFormat = 'jpeg' | 'webp';

export interface LadderSource {
  format: string;
  /** Oriented size. */
  width: number;
  height: number;
  frames: number;
  hasAlpha: boolean;
}

export interface Rung {
  /** The rung: the mezzanine fits inside size × size. */
  size: number;
  /** Its oriented pixel size. */
  width: number;
  height: number;
  format: MezzanineFormat;
}

/** Vector and animated sources render from the original. HEIC gets rungs: its decode (WASM) is the slowest of all. */
export function ladderable(source: LadderSource): boolean {
  if (source.format === 'svg') return false;
  return !(source.frames > 1 && (source.format === 'gif' || source.format === 'webp'));
}

/** The rungs of `sizes` this source gets, smallest first. */
export function rungsFor(source: LadderSource, sizes: readonly number[]): Rung[] {
  if (!ladderable(source)) return [];
  const longer = Math.max(source.width, source.height);
  return sizes
    .filter((size) => longer >= LADDER_MIN_RATIO * size)
    .map((size) => ({ size, ...fitInside(source, size), format: mezzanineFormat(source) }));
}

/**
 * The kernel mezzanines are scaled with (at ingest, from the strict decode, and between rungs).
 * A render from a mezzanine scales a second time; with Mitchell's kernel for the first step the
 * pair came within 0.1 dB of a direct render more often than with Lanczos 3 (sharp's default),
 * e.g. c_fill,w_400,h_400 from 1600 px +0.08 against -0.12 dB (README, Render ladder).
 */
export const MEZZANINE_KERNEL = 'mitchell';

/**
 * JPEG (q90, 4:4:4) for opaque sources, WebP q90 where alpha must be kept; chosen by measurement
 * (README, Render ladder): from a 1600 px JPEG mezzanine of the 12 MP photo, w_800 took 0.45 × the
 * CPU of a render from the original and scored 0.24 dB better against the lossless reference.
 */
export function mezzanineFormat(source: Pick<LadderSource, 'hasAlpha'>): MezzanineFormat {
  return source.hasAlpha ? 'webp' : 'jpeg';
}

export function fitInside(source: { width: number; height: number }, side: number): { width: number; height: number } {
  const scale = Math.min(1, side / Math.max(source.width, source.height));
  return { width: Math.max(1, Math.round(source.width * scale)), height: Math.max(1, Math.round(source.height * scale)) };
}
