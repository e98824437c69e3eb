/** The q_auto scenario's pure parts: rows and target lines from given samples. No timing assertions. */
import { describe, expect, it } from 'vitest';
import { qualityTarget } from '../origin/transform/auto-quality/targets.ts';
import { evaluateQAuto, formatQAuto, qAutoRows } from './q-auto-report.ts';
import type { QAutoSample, QAutoVariant } from './scenarios/q-auto.ts';

const target = qualityTarget('jpeg', 'good');

function sample(photo: string, variant: QAutoVariant, bytes: number, score: number, ms: number, quality?: number): QAutoSample {
  return { photo, format: 'jpeg', variant, bytes, score, ms, quality };
}

/** Three photos; `good` and `best` bytes as shares of the default's 1000. */
function samples(goodShare: number, bestScore = 0.995): QAutoSample[] {
  return ['a', 'b', 'c'].flatMap((photo) => [
    sample(photo, 'default', 1000, 0.98, 100),
    sample(photo, 'eco', 700, target - 0.005, 400, 70),
    sample(photo, 'good', 1000 * goodShare, target + 0.001, 420, 74),
    sample(photo, 'best', 1500, photo === 'c' ? bestScore : 0.995, 450, 88),
  ]);
}

describe('q_auto report', () => {
  it('gives medians, shares of the default, chosen qualities and the extra render time', () => {
    const good = qAutoRows(samples(0.8)).find((row) => row.variant === 'good');
    expect(good).toMatchObject({
      photos: 3,
      medianBytes: 800,
      medianBytesRatio: 0.8,
      totalBytesRatio: 0.8,
      qualities: [74, 74],
      medianMs: 420,
      medianExtraMs: 320,
      reached: 3,
    });
    expect(formatQAuto(samples(0.8))).toContain('| q_auto:best |');
  });

  it("checks that good's target is still the default quality's median", () => {
    const line = (score: number) =>
      evaluateQAuto(samples(0.8).map((entry) => (entry.variant === 'default' ? { ...entry, score } : entry))).find((result) =>
        result.name.startsWith("q_auto:good's target"),
      );
    expect(line(target)?.pass).toBe(true);
    expect(line(target - 0.01)?.pass).toBe(false);
  });

  it('passes q_auto:good at 80 % of the default bytes and fails it at 90 %', () => {
    const line = (share: number) => evaluateQAuto(samples(share)).find((result) => result.name.startsWith('q_auto:good median'));
    expect(line(0.8)?.pass).toBe(true);
    expect(line(0.9)?.pass).toBe(false);
    expect(line(0.9)?.detail).toContain('90 %');
  });

  it('fails q_auto:best when one photo scores below its default quality, naming it', () => {
    const line = (score: number) => evaluateQAuto(samples(0.8, score)).find((result) => result.name.startsWith('no q_auto:best'));
    expect(line(0.995)?.pass).toBe(true);
    expect(line(0.97)?.pass).toBe(false);
    expect(line(0.97)?.detail).toContain('c');
  });
});
