import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LADDER_RUNGS, searchQuality } from './search.ts';

const ladder = [40, 50, 60, 70, 80, 90, 95];

/** A search over `curve` (quality → score) that records which qualities it encoded. */
async function search(curve: (quality: number) => number, target: number, rungs: readonly number[] = ladder) {
  const encoded: number[] = [];
  const result = await searchQuality(rungs, target, (quality) => {
    encoded.push(quality);
    return Promise.resolve({ quality, score: curve(quality), output: `bytes at ${quality}` });
  });
  return { ...result, encoded };
}

/** Increasing score curves over 1…100: random positive steps, as encoders roughly behave. */
const curves = fc.array(fc.double({ min: 0, max: 0.01, noNaN: true }), { minLength: 100, maxLength: 100 }).map((steps) => {
  const scores = steps.reduce<number[]>((acc, step) => [...acc, (acc.at(-1) ?? 0.85) + step], []);
  return (quality: number) => scores[quality - 1] ?? 1;
});

describe('the q_auto search', () => {
  it('encodes at most 3 times, never one quality twice, and returns one of its encodes', async () => {
    await fc.assert(
      fc.asyncProperty(curves, fc.double({ min: 0.8, max: 1.1, noNaN: true }), async (curve, target) => {
        const { encoded, probes, chosen } = await search(curve, target);
        expect(encoded.length).toBeLessThanOrEqual(3);
        expect(new Set(encoded).size).toBe(encoded.length);
        expect(probes.map((probe) => probe.quality)).toEqual(encoded);
        expect(encoded).toContain(chosen.quality);
        expect(chosen.output).toBe(`bytes at ${chosen.quality}`);
      }),
    );
  });

  it('picks the lowest rung that reaches the target when the score grows with quality', async () => {
    await fc.assert(
      fc.asyncProperty(curves, fc.double({ min: 0.8, max: 1.1, noNaN: true }), async (curve, target) => {
        const { chosen, reached } = await search(curve, target);
        const lowest = ladder.find((quality) => curve(quality) >= target);
        if (lowest === undefined) {
          expect(reached).toBe(false);
          expect(chosen.quality).toBe(ladder.at(-1));
        } else {
          expect(reached).toBe(true);
          expect(chosen.quality).toBe(lowest);
          expect(chosen.score).toBeGreaterThanOrEqual(target);
        }
      }),
    );
  });

  it('is monotone: a higher target never picks a lower quality', async () => {
    await fc.assert(
      fc.asyncProperty(
        curves,
        fc.double({ min: 0.8, max: 1.05, noNaN: true }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        async (curve, target, more) => {
          const lower = await search(curve, target);
          const higher = await search(curve, target + more);
          expect(higher.chosen.quality).toBeGreaterThanOrEqual(lower.chosen.quality);
          expect(higher.chosen.score).toBeGreaterThanOrEqual(lower.chosen.score);
        },
      ),
    );
  });

  it('probes the middle rung first, then halves', async () => {
    expect((await search((q) => q / 100, 0.85)).encoded).toEqual([70, 90, 80]);
    expect((await search((q) => q / 100, 0.3)).encoded).toEqual([70, 50, 40]);
    expect((await search((q) => q / 100, 2)).encoded).toEqual([70, 90, 95]);
  });

  it('refuses a ladder that is not 7 increasing qualities', async () => {
    await expect(search((q) => q, 1, [1, 2, 3])).rejects.toThrow(`${LADDER_RUNGS} increasing qualities`);
    await expect(search((q) => q, 1, [1, 2, 3, 3, 4, 5, 6])).rejects.toThrow('increasing');
  });
});
