import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUALITY_LEVELS } from '../../../core/grammar/quality.ts';
import { defaultQuality, type LossyFormat } from '../encoder-settings.ts';
import { LADDER_RUNGS, searchQuality } from './search.ts';
import { autoQualityTargets, qualityLadder, qualityTarget } from './targets.ts';

const formats = Object.keys(defaultQuality) as LossyFormat[];

describe('q_auto targets and ladders', () => {
  it.each(formats)('%s: every level has 7 increasing encoder qualities and targets in level order', (format) => {
    for (const level of QUALITY_LEVELS) {
      const ladder = qualityLadder(format, level);
      expect(ladder).toHaveLength(LADDER_RUNGS);
      expect(ladder.every((quality, index) => quality >= 1 && quality <= 100 && (index === 0 || quality > (ladder[index - 1] ?? 0)))).toBe(
        true,
      );
    }
    const { start } = autoQualityTargets[format];
    expect(qualityTarget(format, 'eco')).toBeLessThan(qualityTarget(format, 'good'));
    expect(qualityTarget(format, 'good')).toBeLessThan(qualityTarget(format, 'best'));
    expect(qualityTarget(format, 'good')).toBe(autoQualityTargets[format].defaultMedian);
    expect(start.eco).toBeLessThanOrEqual(start.good);
    expect(start.good).toBeLessThanOrEqual(start.best);
  });

  it.each(formats)('%s: good can answer the default quality, and best never goes below it', (format) => {
    expect(qualityLadder(format, 'good')).toContain(defaultQuality[format]);
    expect(qualityLadder(format, 'best')[0]).toBe(defaultQuality[format]);
  });

  it.each(formats)('%s: eco ≤ good ≤ best in quality for any score that grows with quality', async (format) => {
    const chosen = async (curve: (quality: number) => number, level: (typeof QUALITY_LEVELS)[number]) =>
      (
        await searchQuality(qualityLadder(format, level), qualityTarget(format, level), (quality) =>
          Promise.resolve({ quality, score: curve(quality), output: undefined }),
        )
      ).chosen.quality;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 0.004, noNaN: true }), { minLength: 100, maxLength: 100 }),
        fc.double({ min: 0.7, max: 0.95, noNaN: true }),
        async (steps, floor) => {
          const scores = steps.reduce<number[]>((acc, step) => [...acc, (acc.at(-1) ?? floor) + step], []);
          const curve = (quality: number) => scores[quality - 1] ?? 1;
          const [eco, good, best] = await Promise.all(QUALITY_LEVELS.map((level) => chosen(curve, level)));
          expect(eco).toBeLessThanOrEqual(good ?? 0);
          expect(good).toBeLessThanOrEqual(best ?? 0);
        },
      ),
    );
  });
});
