/** Rows and target lines of the q_auto scenario (bench/scenarios/q-auto.ts): pure, so bench tests can check them. */
import { QUALITY_LEVELS } from '../core/grammar/quality.ts';
import type { LossyFormat } from '../origin/transform/encoder-settings.ts';
import { qualityTarget } from '../origin/transform/auto-quality/targets.ts';
import type { TargetResult } from './report-types.ts';
import type { QAutoSample, QAutoVariant } from './scenarios/q-auto.ts';
import { median, round } from './stats.ts';
import { formatTable } from './table.ts';

/** Issue 19: q_auto:good's median bytes at most this share of the default quality's. */
export const goodBytesShare = 0.85;
/** How far the measured median may drift from targets.ts before the run says so. */
export const calibrationTolerance = 0.0015;

export interface QAutoRow {
  format: LossyFormat;
  variant: QAutoVariant;
  photos: number;
  /** SSIM against the unencoded resized image. */
  medianScore: number;
  minScore: number;
  /** The level's target (undefined for the default quality). */
  target: number | undefined;
  /** Photos whose output reached the target. */
  reached: number;
  medianBytes: number;
  /** Median over the photos of bytes ÷ the default quality's bytes of the same photo. */
  medianBytesRatio: number;
  /** Total bytes ÷ the default quality's total. */
  totalBytesRatio: number;
  qualities: [number, number] | undefined;
  medianMs: number;
  /** Median over the photos of this render's time minus the default quality's. */
  medianExtraMs: number;
}

function byPhoto(samples: readonly QAutoSample[], format: LossyFormat, variant: QAutoVariant): Map<string, QAutoSample> {
  return new Map(
    samples.filter((sample) => sample.format === format && sample.variant === variant).map((sample) => [sample.photo, sample]),
  );
}

export function qAutoRows(samples: readonly QAutoSample[]): QAutoRow[] {
  const formats = [...new Set(samples.map((sample) => sample.format))];
  return formats.flatMap((format) => {
    const defaults = byPhoto(samples, format, 'default');
    return (['default', ...QUALITY_LEVELS] as const).map((variant) => {
      const rows = [...byPhoto(samples, format, variant).values()];
      const base = (sample: QAutoSample) => defaults.get(sample.photo);
      const target = variant === 'default' ? undefined : qualityTarget(format, variant);
      const qualities = rows.map((sample) => sample.quality).filter((quality) => quality !== undefined);
      const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
      return {
        format,
        variant,
        photos: rows.length,
        medianScore: round(median(rows.map((sample) => sample.score)), 4),
        minScore: round(Math.min(...rows.map((sample) => sample.score)), 4),
        target,
        reached: target === undefined ? rows.length : rows.filter((sample) => sample.score >= target).length,
        medianBytes: median(rows.map((sample) => sample.bytes)),
        medianBytesRatio: round(median(rows.map((sample) => sample.bytes / (base(sample)?.bytes ?? Number.NaN))), 3),
        totalBytesRatio: round(sum(rows.map((sample) => sample.bytes)) / sum([...defaults.values()].map((sample) => sample.bytes)), 3),
        qualities: qualities.length === 0 ? undefined : [Math.min(...qualities), Math.max(...qualities)],
        medianMs: round(median(rows.map((sample) => sample.ms)), 0),
        medianExtraMs: round(median(rows.map((sample) => sample.ms - (base(sample)?.ms ?? Number.NaN))), 0),
      };
    });
  });
}

/**
 * The lines: q_auto:good's median bytes ≤ 85 % of the default quality's while its median
 * score holds the target, and no q_auto:best output below the default quality's score (photo by photo).
 */
export function evaluateQAuto(samples: readonly QAutoSample[]): TargetResult[] {
  const rows = qAutoRows(samples);
  const formats = [...new Set(rows.map((row) => row.format))];
  return formats.flatMap((format) => {
    const good = rows.find((row) => row.format === format && row.variant === 'good');
    const defaults = byPhoto(samples, format, 'default');
    const best = [...byPhoto(samples, format, 'best').values()];
    const below = best.filter((sample) => sample.score < (defaults.get(sample.photo)?.score ?? Number.POSITIVE_INFINITY));
    const results: TargetResult[] = [];
    const measured = rows.find((row) => row.format === format && row.variant === 'default')?.medianScore;
    if (measured !== undefined) {
      // SPEC section 8: good's target is this median; a drift here means targets.ts needs re-measuring.
      const target = qualityTarget(format, 'good');
      results.push({
        name: `q_auto:good's target is the default quality's median SSIM (± ${calibrationTolerance}), ${format}`,
        pass: Math.abs(measured - target) <= calibrationTolerance,
        detail: `measured ${measured}, target ${target}`,
      });
    }
    if (good !== undefined) {
      results.push({
        name: `q_auto:good median bytes ≤ ${goodBytesShare * 100} % of the default quality's, ${format}`,
        pass: good.medianBytesRatio <= goodBytesShare && good.medianScore >= (good.target ?? 0),
        detail: `${Math.round(good.medianBytesRatio * 100)} % (total ${Math.round(good.totalBytesRatio * 100)} %), median SSIM ${good.medianScore} against the target ${good.target}, ${good.reached}/${good.photos} photos at the target`,
      });
    }
    results.push({
      name: `no q_auto:best output scores below the default quality's, ${format}`,
      pass: best.length > 0 && below.length === 0,
      detail: below.length === 0 ? `${best.length} photos` : `below on ${below.map((sample) => sample.photo).join(', ')}`,
    });
    return results;
  });
}

export function formatQAuto(samples: readonly QAutoSample[]): string {
  const header = [
    'format',
    'q',
    'photos',
    'median SSIM',
    'min SSIM',
    'target',
    'at target',
    'median bytes',
    '÷default (median)',
    '÷default (total)',
    'q chosen',
    'median ms',
    'extra ms',
  ];
  const cells = qAutoRows(samples).map((row) => [
    row.format,
    row.variant === 'default' ? 'default' : row.variant === 'good' ? 'q_auto' : `q_auto:${row.variant}`,
    String(row.photos),
    row.medianScore.toFixed(4),
    row.minScore.toFixed(4),
    row.target === undefined ? '' : row.target.toFixed(4),
    row.target === undefined ? '' : `${row.reached}/${row.photos}`,
    String(row.medianBytes),
    row.variant === 'default' ? '' : row.medianBytesRatio.toFixed(2),
    row.variant === 'default' ? '' : row.totalBytesRatio.toFixed(2),
    row.qualities === undefined ? '' : `${row.qualities[0]}…${row.qualities[1]}`,
    String(row.medianMs),
    row.variant === 'default' ? '' : String(row.medianExtraMs),
  ]);
  return formatTable(header, cells);
}
