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
 * the one below it. `good`'s middle rung, its first probe, is the default quality; `best`
 * starts at it, so `q_auto:best` never scores below the default quality.
 *
 * A new lossy format (JPEG XL) adds its entry here after measuring it the same way: the record
 * is keyed by LossyFormat, so a format added to defaultQuality without one does not compile.
 */
import type { QualityLevel } from '../../../core/transform-spec.ts';
import { defaultQuality, type LossyFormat } from '../encoder-settings.ts';
import { LADDER_RUNGS } from './search.ts';

export interface FormatTargets {
  /** SSIM each level keeps, measured (see above). */
  target: Record<QualityLevel, number>;
  /** Increasing encoder qualities the levels' windows are cut from. */
  grid: readonly number[];
  /** Index in `grid` of each level's first rung. */
  start: Record<QualityLevel, number>;
}

export const autoQualityTargets: Record<LossyFormat, FormatTargets> = {
  jpeg: {
    target: { eco: 0.9714, good: 0.9809, best: 0.9873 },
    grid: [40, 48, 55, 62, 68, 74, 80, 84, 88, 91, 94, 96, 98],
    start: { eco: 1, good: 3, best: 6 },
  },
  webp: {
    target: { eco: 0.9734, good: 0.9822, best: 0.9882 },
    grid: [50, 58, 65, 72, 76, 80, 84, 88, 91, 94, 96, 98],
    start: { eco: 0, good: 2, best: 5 },
  },
  avif: {
    target: { eco: 0.9365, good: 0.9577, best: 0.9718 },
    grid: [26, 32, 38, 42, 46, 50, 54, 58, 62, 66, 70, 76],
    start: { eco: 0, good: 2, best: 5 },
  },
};

/** The 7 qualities `level` searches for `format`. */
export function qualityLadder(format: LossyFormat, level: QualityLevel): number[] {
  const { grid, start } = autoQualityTargets[format];
  return grid.slice(start[level], start[level] + LADDER_RUNGS);
}

export function qualityTarget(format: LossyFormat, level: QualityLevel): number {
  return autoQualityTargets[format].target[level];
}

/** The default quality of a format, which `good` probes first and `best` never goes below. */
export function defaultQualityOf(format: LossyFormat): number {
  return defaultQuality[format];
}
