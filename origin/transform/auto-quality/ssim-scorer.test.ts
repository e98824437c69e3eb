import { describe, expect, it } from 'vitest';
import { fail } from '../../../core/errors.ts';
import { SsimScorer } from './ssim-scorer.ts';

const width = 64;
const height = 48;

/** RGBA: a gradient, optionally with deterministic noise of ± `amplitude`. */
function picture(amplitude = 0): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let index = 0; index < width * height; index += 1) {
    const noise = amplitude === 0 ? 0 : ((index * 7919) % (2 * amplitude + 1)) - amplitude;
    const value = Math.max(0, Math.min(255, ((index % width) * 4 + noise) | 0));
    data.set([value, value, 255 - value, 255], index * 4);
  }
  return data;
}

const expired = () => fail('unavailable', 'past the deadline');

describe('SsimScorer (ssim.js on a worker thread)', () => {
  it('scores an identical picture 1 and more noise lower, against one reference', async () => {
    const scorer = new SsimScorer(picture(), width, height, Date.now() + 30_000, expired);
    try {
      expect(await scorer.score(picture())).toBeCloseTo(1, 6);
      const light = await scorer.score(picture(4));
      const heavy = await scorer.score(picture(40));
      expect(light).toBeLessThan(1);
      expect(heavy).toBeLessThan(light);
    } finally {
      await scorer.close();
    }
  });

  it('throws the caller’s error once the deadline has passed, and refuses a candidate of another size', async () => {
    const late = new SsimScorer(picture(), width, height, Date.now() - 1, expired);
    await expect(late.score(picture())).rejects.toMatchObject({ code: 'unavailable' });
    await late.close();
    const scorer = new SsimScorer(picture(), width, height, Date.now() + 30_000, expired);
    await expect(scorer.score(new Uint8Array(4))).rejects.toThrow('not the reference size');
    await scorer.close();
  });
});
