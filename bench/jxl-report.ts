/** Rows and target lines of the JPEG XL scenario (bench/scenarios/jxl.ts): pure, so bench tests can check them. */
import { JXL_EFFORT, JXL_QUALITY } from '../origin/jxl/settings.ts';
import { defaultQuality } from '../origin/transform/encoder-settings.ts';
import type { TargetResult } from './report-types.ts';
import type { JxlBenchFormat, JxlSample } from './scenarios/jxl.ts';
import { median, round } from './stats.ts';
import { formatTable } from './table.ts';

/** How far the measured quality may sit from JXL_QUALITY before the run says the default needs re-choosing. */
export const qualityTolerance = 5;

export interface JxlRow {
  format: JxlBenchFormat;
  effort: number;
  /** Photos whose quality ladder brackets the SSIM to match (only those are compared). */
  photos: number;
  /** Median over the photos of this encoder's bytes ÷ WebP's, at WebP's default SSIM. */
  medianBytesVsWebp: number;
  /** Total bytes ÷ WebP's total, at the same SSIM. */
  totalBytesVsWebp: number;
  /** Median quality (on the encoder's own scale) that reaches that SSIM. */
  medianQuality: number;
  /** Median encode time per output megapixel over the samples. */
  medianMsPerMp: number;
}

interface Point {
  quality: number;
  score: number;
  bytes: number;
}

/** Linear interpolation of bytes and quality at `score` along a quality ladder; undefined outside it. */
export function atScore(points: readonly Point[], score: number): { bytes: number; quality: number } | undefined {
  const sorted = [...points].sort((a, b) => a.quality - b.quality);
  for (let index = 1; index < sorted.length; index += 1) {
    const low = sorted[index - 1];
    const high = sorted[index];
    if (low === undefined || high === undefined) continue;
    if (score < Math.min(low.score, high.score) || score > Math.max(low.score, high.score)) continue;
    const share = high.score === low.score ? 0 : (score - low.score) / (high.score - low.score);
    return { bytes: low.bytes + share * (high.bytes - low.bytes), quality: low.quality + share * (high.quality - low.quality) };
  }
  return undefined;
}

/** The SSIM WebP's default quality reaches on each photo: the level every format is compared at. */
function webpTargets(samples: readonly JxlSample[]): Map<string, number> {
  const targets = new Map<string, number>();
  for (const sample of samples) {
    if (sample.format === 'webp' && sample.quality === defaultQuality.webp) targets.set(sample.photo, sample.score);
  }
  return targets;
}

export function jxlRows(samples: readonly JxlSample[]): JxlRow[] {
  const targets = webpTargets(samples);
  const series = [...new Set(samples.map((sample) => `${sample.format}:${sample.effort}`))];
  const curve = (photo: string, format: JxlBenchFormat, effort: number) =>
    samples.filter((sample) => sample.photo === photo && sample.format === format && sample.effort === effort);
  const webpEffort = samples.find((sample) => sample.format === 'webp')?.effort ?? 0;
  return series.map((key) => {
    const [format = 'webp', effortText = '0'] = key.split(':') as [JxlBenchFormat, string];
    const effort = Number(effortText);
    const compared = [...targets].flatMap(([photo, target]) => {
      const own = atScore(curve(photo, format, effort), target);
      const webp = atScore(curve(photo, 'webp', webpEffort), target);
      return own === undefined || webp === undefined ? [] : [{ own, webp }];
    });
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    return {
      format,
      effort,
      photos: compared.length,
      medianBytesVsWebp: round(median(compared.map(({ own, webp }) => own.bytes / webp.bytes)), 3),
      totalBytesVsWebp: round(sum(compared.map(({ own }) => own.bytes)) / sum(compared.map(({ webp }) => webp.bytes)), 3),
      medianQuality: round(median(compared.map(({ own }) => own.quality)), 1),
      medianMsPerMp: round(
        median(samples.filter((sample) => `${sample.format}:${sample.effort}` === key).map((sample) => sample.msPerMp)),
        0,
      ),
    };
  });
}

/**
 * The lines behind the settings: JPEG XL at its effort takes fewer bytes than WebP at equal SSIM
 * (f_auto prefers it to WebP; the detail gives AVIF's figure beside it, which SSIM may favour),
 * and JXL_QUALITY reaches WebP's default SSIM (so its default is that level).
 */
export function evaluateJxl(samples: readonly JxlSample[]): TargetResult[] {
  const rows = jxlRows(samples);
  const jxl = rows.find((row) => row.format === 'jxl' && row.effort === JXL_EFFORT);
  const avif = rows.find((row) => row.format === 'avif');
  if (jxl === undefined || avif === undefined || jxl.photos === 0) {
    return [{ name: 'JPEG XL against AVIF and WebP at equal SSIM', pass: undefined, detail: 'no photo bracketed the SSIM to match' }];
  }
  return [
    {
      name: `JPEG XL (effort ${JXL_EFFORT}) takes fewer median bytes than WebP at WebP q${defaultQuality.webp}'s SSIM`,
      pass: jxl.medianBytesVsWebp < 1,
      detail: `JPEG XL ${Math.round(jxl.medianBytesVsWebp * 100)} %, AVIF ${Math.round(avif.medianBytesVsWebp * 100)} % of WebP's bytes (${jxl.photos} photos)`,
    },
    {
      name: `JXL_QUALITY ${JXL_QUALITY} is within ${qualityTolerance} of the quality that reaches WebP's default SSIM`,
      pass: Math.abs(jxl.medianQuality - JXL_QUALITY) <= qualityTolerance,
      detail: `median quality at that SSIM: ${jxl.medianQuality}`,
    },
  ];
}

export function formatJxl(samples: readonly JxlSample[]): string {
  const header = ['format', 'effort', 'photos', 'bytes ÷ WebP (median)', 'bytes ÷ WebP (total)', 'q at that SSIM', 'encode ms/MP'];
  const cells = jxlRows(samples).map((row) => [
    row.format,
    String(row.effort),
    String(row.photos),
    row.medianBytesVsWebp.toFixed(2),
    row.totalBytesVsWebp.toFixed(2),
    row.medianQuality.toFixed(1),
    String(row.medianMsPerMp),
  ]);
  return formatTable(header, cells);
}
