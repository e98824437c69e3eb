/**
 * The bounded search behind `q_auto` (issue 19): the lowest quality of a level's ladder whose
 * output keeps the metric at the target, in at most 3 encodes.
 *
 * A binary search over a fixed ladder of 7 qualities rather than a secant step from a first
 * guess: 3 probes decide among 8 outcomes (one of the 7, or none), and with a score that grows
 * with quality the answer is exactly the lowest rung that reaches the target. It depends on the
 * target only through comparisons, so a higher target never picks a lower quality (the levels
 * stay ordered), and the answer is always a probed encode, so nothing is encoded a fourth time.
 * When no rung reaches the target, the top rung (probed on that path) is the answer.
 */

/** One probe: an encode at `quality` and the metric of its output. */
export interface Probe<T> {
  quality: number;
  score: number;
  /** What the caller keeps of the encode (its bytes), returned for the chosen probe. */
  output: T;
}

export interface SearchResult<T> {
  chosen: Probe<T>;
  /** Every probe in the order made: at most 3. */
  probes: Probe<T>[];
  /** The chosen probe reaches the target (false only when even the top rung falls short). */
  reached: boolean;
}

/** Rungs per ladder: 2³ − 1, what three halvings can tell apart. */
export const LADDER_RUNGS = 7;

/**
 * `ladder`: 7 increasing qualities. `encode(quality)` encodes and scores; it is called at most
 * 3 times, never twice for one quality.
 */
export async function searchQuality<T>(
  ladder: readonly number[],
  target: number,
  encode: (quality: number) => Promise<Probe<T>>,
): Promise<SearchResult<T>> {
  if (ladder.length !== LADDER_RUNGS || ladder.some((quality, index) => index > 0 && quality <= (ladder[index - 1] ?? 0))) {
    throw new Error(`a q_auto ladder has ${LADDER_RUNGS} increasing qualities, not [${ladder.join(', ')}]`);
  }
  const probes: Probe<T>[] = [];
  // Invariant: every rung below `low` falls short; the rung at `high` (if < 7) reaches the target.
  let low = 0;
  let high = LADDER_RUNGS;
  let best: Probe<T> | undefined;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const probe = await encode(rung(ladder, middle));
    probes.push(probe);
    if (probe.score >= target) {
      high = middle;
      best = probe;
    } else {
      low = middle + 1;
    }
  }
  if (best !== undefined) return { chosen: best, probes, reached: true };
  // Every probe fell short: the last one made is the top rung.
  const top = probes.at(-1);
  if (top === undefined) throw new Error('the q_auto search made no probe');
  return { chosen: top, probes, reached: false };
}

function rung(ladder: readonly number[], index: number): number {
  const quality = ladder[index];
  if (quality === undefined) throw new Error(`no rung ${index} in the q_auto ladder`);
  return quality;
}
