/**
 * What each `q_auto` level aims at, per output format, measured on the corpus photos with the
 * bench scenario `q-auto` (bench/scenarios/q-auto.ts; figures in the README, Content-aware
 * quality). The metric is SSIM (ssim.js, Bezkrovny's windows, no downsampling) of the output
 * against the unencoded resized image, at most 1 MP.
 *
 * - `good`'s target is the median score the format's default quality reaches on those photos
 *   (SPEC section 8), so `q_auto` is the default quality made to fit each picture;
 * - `eco` allows 1.5 × good's distortion (1 − SSIM), `best` 2/3 of it.
 *
 * Each level searches a window of 7 consecutive rungs of one grid per format (search.ts): since
 * the windows start in level order on the same grid, a level never picks a lower quality than
 * the one below it. `best` starts at the default quality, so `q_auto:best` never scores below
 * it. The windows cover the qualities the measurement chose for each level.
 *
 * A new lossy format (JPEG XL) adds its entry here after measuring it the same way: the record
 * is keyed by LossyFormat, so a format added to defaultQuality without one does not compile.
 */
import type { QualityLevel } from '../../../core/transform-spec.ts';
import { defaultQuality, type LossyFormat } from '../encoder-settings.ts';
import { LADDER_RUNGS } from './search.ts';

export interface FormatTargets {
  /**
   * The median SSIM of the default quality over the corpus photos (bench `q-auto`, 12 photos at
   * 800 px): `good`'s target; `eco`'s and `best`'s follow from it (levelTargets).
   */
  defaultMedian: number;
  /** Increasing encoder qualities the levels' windows are cut from. */
  grid: readonly number[];
  /** Index in `grid` of each level's first rung. */
  start: Record<QualityLevel, number>;
}

/** Distortion (1 − SSIM) each level allows, relative to `good`'s. */
export const distortionFactor: Record<QualityLevel, number> = { eco: 1.5, good: 1, best: 2 / 3 };

export const autoQualityTargets: Record<LossyFormat, FormatTargets> = {
  jpeg: {
    defaultMedian: 0.9797,
    grid: [40, 48, 55, 62, 68, 74, 80, 84, 88, 91, 94, 96, 98],
    start: { eco: 1, good: 3, best: 6 },
  },
  // WebP's SSIM is flat from q 60 to 80 and jumps at 84 (its encoder changes filtering there), so
  // eco and good reach higher than JPEG's windows: the measured eco answers went up to 88.
  webp: {
    defaultMedian: 0.9822,
    grid: [50, 58, 65, 72, 76, 80, 84, 88, 91, 94, 96, 98],
    start: { eco: 1, good: 3, best: 5 },
  },
  avif: {
    defaultMedian: 0.9574,
    grid: [26, 32, 38, 42, 46, 50, 54, 58, 62, 66, 70, 76],
    start: { eco: 0, good: 2, best: 5 },
  },
};

/** The 7 qualities `level` searches for `format`. */
export function qualityLadder(format: LossyFormat, level: QualityLevel): number[] {
  const { grid, start } = autoQualityTargets[format];
  return grid.slice(start[level], start[level] + LADDER_RUNGS);
}

/** The SSIM `level` keeps for `format`, to 4 decimals. */
export function qualityTarget(format: LossyFormat, level: QualityLevel): number {
  const distortion = (1 - autoQualityTargets[format].defaultMedian) * distortionFactor[level];
  return Math.round((1 - distortion) * 10_000) / 10_000;
}

/** The default quality of a format, which `good` probes first and `best` never goes below. */
export function defaultQualityOf(format: LossyFormat): number {
  return defaultQuality[format];
}
