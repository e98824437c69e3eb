import { describe, expect, it, vi } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { RenderGate, type AdmissionOutcome, type RenderGateOptions, type RenderPriority } from './render-gate.ts';
import type { RenderCost } from './render-cost.ts';

/** Fake renders: each runs until the test finishes it, and records when it started. */
class Tasks {
  readonly started: string[] = [];
  readonly outcomes: AdmissionOutcome[] = [];
  private readonly finishers = new Map<string, (fail?: boolean) => void>();
  readonly gate: RenderGate;

  constructor(options: Partial<RenderGateOptions> = {}) {
    this.gate = new RenderGate(
      { concurrency: 4, queueLimit: 16, budgetBytes: 100, deadlineMs: 60_000, backgroundGraceMs: 0, ...options },
      (outcome) => this.outcomes.push(outcome),
    );
  }

  /** Submits a render of this cost; resolves with the gate's answer once it ends. */
  submit(name: string, cost: RenderCost, priority?: RenderPriority): Promise<unknown> {
    return this.gate.run(
      cost,
      () =>
        new Promise<string>((resolve, reject) => {
          this.started.push(name);
          this.finishers.set(name, (failed) => (failed ? reject(new Error(`${name} failed`)) : resolve(name)));
        }),
      priority,
    );
  }

  async finish(name: string, failed = false): Promise<void> {
    const finish = this.finishers.get(name);
    if (!finish) throw new Error(`${name} is not running`);
    finish(failed);
    await settle();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const cost = (bytes: number, ms = 10): RenderCost => ({ bytes, ms });

async function refusal(promise: Promise<unknown>) {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPixelfrontError(error)) throw new Error(`expected a PixelfrontError, got ${String(error)}`);
  return { code: error.code, status: error.status, retryAfter: error.retryAfter, message: error.message };
}

describe('render gate', () => {
  it('starts renders while the count allows, then in arrival order', async () => {
    const tasks = new Tasks({ concurrency: 2, budgetBytes: 1000 });
    const all = ['a', 'b', 'c', 'd'].map((name) => tasks.submit(name, cost(10)));
    await settle();
    expect(tasks.started).toEqual(['a', 'b']);
    expect([tasks.gate.inFlight, tasks.gate.queued]).toEqual([2, 2]);
    await tasks.finish('b');
    expect(tasks.started).toEqual(['a', 'b', 'c']);
    await tasks.finish('a');
    await tasks.finish('c');
    await tasks.finish('d');
    expect(await Promise.all(all)).toEqual(['a', 'b', 'c', 'd']);
    expect(tasks.outcomes).toEqual(['started', 'started', 'queued', 'queued']);
  });

  it('starts a render only while the estimates in flight fit the budget', async () => {
    const tasks = new Tasks({ concurrency: 4, budgetBytes: 100 });
    void tasks.submit('a', cost(60));
    void tasks.submit('b', cost(60));
    await settle();
    // A slot is free, the budget is not: 60 + 60 > 100.
    expect(tasks.started).toEqual(['a']);
    expect([tasks.gate.inFlightBytes, tasks.gate.queuedBytes, tasks.gate.budgetBytes]).toEqual([60, 60, 100]);
    await tasks.finish('a');
    expect(tasks.started).toEqual(['a', 'b']);
    expect(tasks.gate.inFlightBytes).toBe(60);
    await tasks.finish('b');
    expect(tasks.gate.inFlightBytes).toBe(0);
  });

  it('runs a render larger than the whole budget alone: after the others end, and nothing beside it', async () => {
    const tasks = new Tasks({ concurrency: 4, budgetBytes: 100 });
    void tasks.submit('small', cost(10));
    void tasks.submit('huge', cost(500));
    void tasks.submit('after', cost(10));
    await settle();
    expect(tasks.started).toEqual(['small']);
    await tasks.finish('small');
    // `after` would fit the budget, but nothing starts beside a render over it.
    expect(tasks.started).toEqual(['small', 'huge']);
    expect([tasks.gate.inFlight, tasks.gate.queued]).toEqual([1, 1]);
    await tasks.finish('huge');
    expect(tasks.started).toEqual(['small', 'huge', 'after']);
    await tasks.finish('after');
    expect(tasks.outcomes.filter((outcome) => outcome === 'alone')).toHaveLength(1);
  });

  it('is first in, first out: small renders arriving behind a large one do not overtake it (no starvation)', async () => {
    const tasks = new Tasks({ concurrency: 4, budgetBytes: 100 });
    void tasks.submit('a', cost(50));
    void tasks.submit('large', cost(80));
    void tasks.submit('s1', cost(10));
    void tasks.submit('s2', cost(10));
    await settle();
    // s1 and s2 would fit beside `a`, but `large` is ahead of them.
    expect(tasks.started).toEqual(['a']);
    await tasks.finish('a');
    expect(tasks.started).toEqual(['a', 'large', 's1', 's2']);
    for (const name of ['large', 's1', 's2']) await tasks.finish(name);
  });

  it('refuses at once with 503 overloaded when the estimated wait passes the deadline, Retry-After from the estimate', async () => {
    const tasks = new Tasks({ concurrency: 1, budgetBytes: 100, deadlineMs: 1000 });
    void tasks.submit('a', cost(10, 800));
    void tasks.submit('b', cost(10, 800));
    await settle();
    expect(tasks.started).toEqual(['a']);
    // c would start after a (~800 ms left) and b (800 ms): ~1.6 s > 1 s.
    expect(tasks.gate.estimatedWait(cost(10))).toBeGreaterThan(1500);
    const refused = await refusal(tasks.submit('c', cost(10, 800)));
    expect(refused).toMatchObject({ code: 'overloaded', status: 503, retryAfter: 2 });
    expect(refused.message).toContain('RENDER_TIMEOUT_MS');
    expect(tasks.gate.queued).toBe(1);
    expect(tasks.outcomes).toEqual(['started', 'queued', 'refused_deadline']);
    await tasks.finish('a');
    await tasks.finish('b');
  });

  it('estimates the wait with the budget: a render that needs memory waits for the render that frees enough', async () => {
    const tasks = new Tasks({ concurrency: 4, budgetBytes: 100 });
    void tasks.submit('short', cost(50, 1000));
    void tasks.submit('long', cost(40, 5000));
    await settle();
    // 10 bytes fit now; 50 fit once `short` ends (~1 s); 70 only once both have (~5 s).
    expect(tasks.gate.estimatedWait(cost(10))).toBe(0);
    expect(tasks.gate.estimatedWait(cost(50))).toBeGreaterThan(900);
    expect(tasks.gate.estimatedWait(cost(50))).toBeLessThanOrEqual(1000);
    expect(tasks.gate.estimatedWait(cost(70))).toBeGreaterThan(4900);
    await tasks.finish('short');
    await tasks.finish('long');
  });

  it('refuses when the queue is full, with a Retry-After from the estimate', async () => {
    const tasks = new Tasks({ concurrency: 1, queueLimit: 1, budgetBytes: 100 });
    void tasks.submit('a', cost(10, 3000));
    void tasks.submit('b', cost(10, 10));
    await settle();
    const refused = await refusal(tasks.submit('c', cost(10, 10)));
    expect(refused).toMatchObject({ code: 'overloaded', status: 503 });
    expect(refused.retryAfter).toBeGreaterThanOrEqual(3);
    expect(tasks.outcomes.at(-1)).toBe('refused_queue_full');
    await tasks.finish('a');
    await tasks.finish('b');
  });

  it('frees the slot and the bytes of a render that fails', async () => {
    const tasks = new Tasks({ concurrency: 1, budgetBytes: 100 });
    const failing = tasks.submit('a', cost(90)).catch((error: unknown) => error);
    void tasks.submit('b', cost(90));
    await settle();
    await tasks.finish('a', true);
    expect(String(await failing)).toContain('a failed');
    expect(tasks.started).toEqual(['a', 'b']);
    expect(tasks.gate.inFlightBytes).toBe(90);
    await tasks.finish('b');
    expect([tasks.gate.inFlight, tasks.gate.inFlightBytes]).toEqual([0, 0]);
  });

  it('learns from renders that take a fraction of their estimate, and shortens the waits it tells', async () => {
    const tasks = new Tasks({ concurrency: 1, budgetBytes: 100 });
    for (let round = 0; round < 10; round++) {
      const done = tasks.submit(`r${round}`, cost(10, 10_000));
      await settle();
      await tasks.finish(`r${round}`);
      await done;
    }
    // Each took ~0 ms of an estimated 10 s: the correction is floored at a twentieth.
    expect(tasks.gate.speedFactor).toBeLessThan(0.2);
    void tasks.submit('a', cost(10, 10_000));
    await settle();
    expect(tasks.gate.estimatedWait(cost(10))).toBeLessThan(2500);
    await tasks.finish('a');
  });

  it('starts background renders only while no foreground render runs or waits, in half the slots at most', async () => {
    const tasks = new Tasks({ concurrency: 4, budgetBytes: 1000 });
    for (const name of ['b1', 'b2', 'b3']) void tasks.submit(name, cost(10), 'background');
    await settle();
    // Two of four slots: the third background render waits although two slots are free.
    expect(tasks.started).toEqual(['b1', 'b2']);
    expect([tasks.gate.inFlight, tasks.gate.queued]).toEqual([2, 1]);
    for (const name of ['f1', 'f2', 'f3']) void tasks.submit(name, cost(10));
    await settle();
    expect(tasks.started).toEqual(['b1', 'b2', 'f1', 'f2']);
    // A background render ends: the foreground render waiting takes the slot, not b3.
    await tasks.finish('b1');
    expect(tasks.started).toEqual(['b1', 'b2', 'f1', 'f2', 'f3']);
    // Slots are free, but foreground renders run: b3 still waits.
    await tasks.finish('f1');
    await tasks.finish('f2');
    expect(tasks.started).not.toContain('b3');
    // The wait told to a foreground request leaves the background queue out.
    void tasks.submit('b4', cost(10, 60_000), 'background');
    await settle();
    expect(tasks.gate.estimatedWait(cost(10))).toBeLessThan(1000);
    await tasks.finish('f3');
    expect(tasks.started.slice(-1)).toEqual(['b3']);
    await tasks.finish('b2');
    expect(tasks.started.slice(-1)).toEqual(['b4']);
    await tasks.finish('b3');
    await tasks.finish('b4');
    expect([tasks.gate.inFlight, tasks.gate.queued]).toEqual([0, 0]);
  });

  it('starts a background render only once no foreground render has run for the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const tasks = new Tasks({ concurrency: 4, backgroundGraceMs: 200 });
      const flush = () => vi.advanceTimersByTimeAsync(0);
      void tasks.submit('f1', cost(10));
      await flush();
      void tasks.submit('b1', cost(10), 'background');
      await flush();
      expect(tasks.started).toEqual(['f1']);
      tasks.finish('f1').catch(() => undefined);
      await vi.advanceTimersByTimeAsync(150);
      expect(tasks.started).toEqual(['f1']);
      // A foreground render in the grace starts it again.
      void tasks.submit('f2', cost(10));
      await flush();
      tasks.finish('f2').catch(() => undefined);
      await vi.advanceTimersByTimeAsync(150);
      expect(tasks.started).toEqual(['f1', 'f2']);
      await vi.advanceTimersByTimeAsync(60);
      expect(tasks.started).toEqual(['f1', 'f2', 'b1']);
      tasks.finish('b1').catch(() => undefined);
      await flush();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a background render when its queue is full, without a deadline', async () => {
    const tasks = new Tasks({ concurrency: 2, queueLimit: 1, deadlineMs: 1 });
    void tasks.submit('b1', cost(10, 10_000), 'background');
    void tasks.submit('b2', cost(10, 10_000), 'background');
    await settle();
    expect(tasks.started).toEqual(['b1']);
    expect((await refusal(tasks.submit('b3', cost(10), 'background'))).code).toBe('overloaded');
    await tasks.finish('b1');
    await tasks.finish('b2');
  });
});
