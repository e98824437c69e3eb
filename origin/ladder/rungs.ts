/**
 * Which mezzanines (downscaled, oriented sRGB copies kept beside the original, stored at
 * `ladderKey` of storage/layout.ts) an image gets. Pure, so ingest, render source selection and
 * the backfill agree without asking storage.
 */

/**
 * A rung is made only for sources whose longer side is at least this many times the rung: below
 * that the mezzanine would save too little decoding to pay for its storage.
 */
export const LADDER_MIN_RATIO = 1.5;

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
 * JPEG q90 for opaque sources, WebP q90 where alpha must be kept; chosen by measurement (README,
 * Render ladder): from a 2048 px JPEG mezzanine of the 12 MP photo, w_800 took half the time of a
 * render from the original and scored 0.1 dB better against the lossless reference.
 */
export function mezzanineFormat(source: Pick<LadderSource, 'hasAlpha'>): MezzanineFormat {
  return source.hasAlpha ? 'webp' : 'jpeg';
}

export function fitInside(source: { width: number; height: number }, side: number): { width: number; height: number } {
  const scale = Math.min(1, side / Math.max(source.width, source.height));
  return { width: Math.max(1, Math.round(source.width * scale)), height: Math.max(1, Math.round(source.height * scale)) };
}
