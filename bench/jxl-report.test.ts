/** The JPEG XL scenario's pure parts: interpolation at equal SSIM, rows and target lines. No timing assertions. */
import { describe, expect, it } from 'vitest';
import { JXL_EFFORT, JXL_QUALITY } from '../origin/jxl/settings.ts';
import { atScore, evaluateJxl, formatJxl, jxlRows } from './jxl-report.ts';
import type { JxlBenchFormat, JxlSample } from './scenarios/jxl.ts';

function sample(photo: string, format: JxlBenchFormat, effort: number, quality: number, score: number, bytes: number): JxlSample {
  return { photo, format, effort, quality, score, bytes, msPerMp: quality };
}

/** Two photos; each format's ladder crosses WebP q80's SSIM (0.95) at `share` × WebP's bytes. */
function samples(jxlShare: number, avifShare: number): JxlSample[] {
  return ['a', 'b'].flatMap((photo) => [
    sample(photo, 'webp', 2, 70, 0.93, 800),
    sample(photo, 'webp', 2, 80, 0.95, 1000),
    sample(photo, 'webp', 2, 90, 0.97, 1400),
    sample(photo, 'avif', 2, 40, 0.94, 1000 * avifShare - 100),
    sample(photo, 'avif', 2, 60, 0.96, 1000 * avifShare + 100),
    sample(photo, 'jxl', JXL_EFFORT, JXL_QUALITY - 10, 0.94, 1000 * jxlShare - 50),
    sample(photo, 'jxl', JXL_EFFORT, JXL_QUALITY + 10, 0.96, 1000 * jxlShare + 50),
  ]);
}

describe('JPEG XL report', () => {
  it('interpolates bytes and quality at a score along a ladder, and refuses a score outside it', () => {
    const ladder = [
      { quality: 60, score: 0.9, bytes: 100 },
      { quality: 80, score: 0.96, bytes: 300 },
    ];
    const middle = atScore(ladder, 0.93);
    expect(middle?.quality).toBeCloseTo(70, 6);
    expect(middle?.bytes).toBeCloseTo(200, 6);
    expect(atScore(ladder, 0.97)).toBeUndefined();
    expect(atScore(ladder.slice(0, 1), 0.9)).toBeUndefined();
  });

  it('compares every format with WebP at the SSIM its default quality reaches', () => {
    const rows = jxlRows(samples(0.7, 0.8));
    expect(rows.find((row) => row.format === 'webp')).toMatchObject({ photos: 2, medianBytesVsWebp: 1, medianQuality: 80 });
    expect(rows.find((row) => row.format === 'avif')).toMatchObject({ photos: 2, medianBytesVsWebp: 0.8, medianQuality: 50 });
    expect(rows.find((row) => row.format === 'jxl')).toMatchObject({ photos: 2, medianBytesVsWebp: 0.7, medianQuality: JXL_QUALITY });
    expect(formatJxl(samples(0.7, 0.8))).toContain('| jxl ');
  });

  it('passes when JPEG XL is smaller than WebP and its default quality reaches that SSIM; fails otherwise', () => {
    expect(evaluateJxl(samples(0.7, 0.8)).map((target) => target.pass)).toEqual([true, true]);
    expect(evaluateJxl(samples(0.9, 0.8))[0]).toMatchObject({ pass: true, detail: expect.stringContaining('AVIF 80 %') });
    expect(evaluateJxl(samples(1.1, 0.8))[0]?.pass).toBe(false);
    expect(evaluateJxl([])[0]?.pass).toBeUndefined();
  });
});
