import { fail } from '../../core/errors.ts';
import type { RenderCost } from './render-cost.ts';

export interface RenderGateOptions {
  /** Renders at once (`RENDER_CONCURRENCY`). */
  concurrency: number;
  /** Renders waiting beyond those (`RENDER_QUEUE`). */
  queueLimit: number;
  /** Estimated working sets of the renders in flight, added up, stay within this (`RENDER_MEMORY_MB`). */
  budgetBytes: number;
  /** A request whose estimated wait passes this is refused at once (`RENDER_TIMEOUT_MS`). */
  deadlineMs: number;
  /** How long no foreground render must have run or waited before a background one starts (default 200). */
  backgroundGraceMs?: number;
}

/**
 * How a render got past the gate, or did not, counted in /metrics: started at once, queued (and
 * started later), refused; `alone` is counted besides, when a render over the whole budget starts.
 */
export type AdmissionOutcome = 'started' | 'queued' | 'refused_queue_full' | 'refused_deadline' | 'alone';

/**
 * `background`: a render nobody waits for (f_auto's upgrade after a fast-first answer). It passes
 * the same count and budget, but starts only once no foreground render has run or waited for
 * `backgroundGraceMs`, and background renders hold at most half the slots: the cores go to the
 * requests someone waits for. A burst of requests has gaps of a few ms between one render's end
 * and the next one's admission (the next request's header read and planning); a background render
 * started in such a gap shares the cores with the burst for the second it takes.
 */
export type RenderPriority = 'foreground' | 'background';

interface Running {
  cost: RenderCost;
  started: number;
  background: boolean;
}

interface Waiter {
  cost: RenderCost;
  /** Counts the render as running (synchronously, so the next fit sees it) and wakes its request. */
  start: () => void;
}

const defaultBackgroundGraceMs = 200;

/** Estimates are corrected by how long renders really took, within these bounds. */
const minSpeed = 0.05;
const maxSpeed = 20;
/** Weight of the newest render in the correction (an exponential moving average of log ratios). */
const speedWeight = 0.2;
/** A render past its estimate is assumed to need at least this share of it again. */
const overrunShare = 0.1;

/**
 * Cost-based admission for renders (issue 20, decision 1). A render starts only while fewer than
 * `concurrency` run and the estimated working sets in flight, its own added, fit `budgetBytes`;
 * a render estimated larger than the whole budget starts only when nothing runs, and nothing
 * starts beside it. The queue is strictly first in, first out: a render that does not fit blocks
 * those behind it until it has started, so none can be overtaken forever (no starvation), at the
 * price of a small render waiting behind a large one. A request that would wait longer than
 * `deadlineMs` by the estimate, or find the queue full, is refused at once with 503 `overloaded`
 * and a Retry-After of the estimated wait. Background renders queue apart (at most `queueLimit`
 * of them, with no deadline: nobody waits) and start only when no foreground render runs or waits.
 */
export class RenderGate {
  private readonly running = new Set<Running>();
  private readonly waiting: Waiter[] = [];
  /** Background renders waiting: started only while `waiting` is empty. */
  private readonly backlog: Waiter[] = [];
  private runningBytes = 0;
  private runningBackground = 0;
  /** When a foreground render last arrived or ended (performance.now()). */
  private lastForeground = Number.NEGATIVE_INFINITY;
  private backgroundTimer: NodeJS.Timeout | undefined;
  /** Measured time / estimated time of recent renders (1 until a render has finished). */
  private speed = 1;

  constructor(
    private readonly options: RenderGateOptions,
    private readonly observe: (outcome: AdmissionOutcome, cost: RenderCost) => void = () => undefined,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  get queued(): number {
    return this.waiting.length + this.backlog.length;
  }

  get inFlightBytes(): number {
    return this.runningBytes;
  }

  get queuedBytes(): number {
    return [...this.waiting, ...this.backlog].reduce((sum, waiter) => sum + waiter.cost.bytes, 0);
  }

  get budgetBytes(): number {
    return this.options.budgetBytes;
  }

  /** The multiplier applied to estimated times, learnt from finished renders. */
  get speedFactor(): number {
    return this.speed;
  }

  async run<T>(cost: RenderCost, task: () => Promise<T>, priority: RenderPriority = 'foreground'): Promise<T> {
    const background = priority === 'background';
    if (!background) this.lastForeground = performance.now();
    let entry: Running;
    if (this.waiting.length === 0 && (background ? this.backlog.length === 0 && this.fitsBackground(cost) : this.fits(cost))) {
      entry = this.begin(cost, background);
      this.observe('started', cost);
    } else {
      const queued = background ? this.enqueueBackground(cost) : this.enqueue(cost);
      if (background) this.scheduleBackground();
      entry = await queued;
    }
    try {
      return await task();
    } finally {
      this.running.delete(entry);
      this.runningBytes -= cost.bytes;
      if (entry.background) this.runningBackground--;
      else this.lastForeground = performance.now();
      this.learn(cost, performance.now() - entry.started);
      this.admit();
    }
  }

  /** Estimated milliseconds before a foreground render of this cost, arriving now, would start (background ones waiting are overtaken). */
  estimatedWait(cost: RenderCost): number {
    const now = performance.now();
    const active = [...this.running].map((entry) => {
      const expected = entry.cost.ms * this.speed;
      return { end: Math.max(expected - (now - entry.started), expected * overrunShare), bytes: entry.cost.bytes };
    });
    let clock = 0;
    // Replays the FIFO admission on the estimates: each render ahead starts once enough has ended.
    for (const next of [...this.waiting.map((waiter) => waiter.cost), cost]) {
      while (!this.fits(next, active.length, sum(active))) {
        clock = Math.min(...active.map((entry) => entry.end));
        for (let index = active.length - 1; index >= 0; index--) if ((active[index]?.end ?? 0) <= clock) active.splice(index, 1);
      }
      active.push({ end: clock + next.ms * this.speed, bytes: next.bytes });
    }
    return clock;
  }

  private async enqueue(cost: RenderCost): Promise<Running> {
    const { queueLimit, deadlineMs, concurrency } = this.options;
    const wait = this.estimatedWait(cost);
    const retryAfter = Math.max(1, Math.ceil(wait / 1000));
    if (this.waiting.length >= queueLimit) {
      this.observe('refused_queue_full', cost);
      throw fail(
        'overloaded',
        `render capacity exhausted (${this.running.size} of ${concurrency} running, ${this.waiting.length} waiting)`,
        {
          retryAfter,
        },
      );
    }
    if (wait > deadlineMs) {
      this.observe('refused_deadline', cost);
      throw fail(
        'overloaded',
        `the render would wait about ${Math.round(wait)} ms for memory and render slots, longer than RENDER_TIMEOUT_MS (${deadlineMs} ms)`,
        { retryAfter },
      );
    }
    this.observe('queued', cost);
    return new Promise<Running>((resolve) => this.waiting.push({ cost, start: () => resolve(this.begin(cost, false)) }));
  }

  private async enqueueBackground(cost: RenderCost): Promise<Running> {
    if (this.backlog.length >= this.options.queueLimit) {
      this.observe('refused_queue_full', cost);
      throw fail('overloaded', `${this.backlog.length} background renders are already waiting`, {
        retryAfter: Math.max(1, Math.ceil(this.estimatedWait(cost) / 1000)),
      });
    }
    this.observe('queued', cost);
    return new Promise<Running>((resolve) => this.backlog.push({ cost, start: () => resolve(this.begin(cost, true)) }));
  }

  private begin(cost: RenderCost, background: boolean): Running {
    const entry: Running = { cost, started: performance.now(), background };
    this.running.add(entry);
    this.runningBytes += cost.bytes;
    if (background) this.runningBackground++;
    if (cost.bytes > this.options.budgetBytes) this.observe('alone', cost);
    return entry;
  }

  /**
   * Starts waiters from the head while they fit; the first that does not fit stops the rest.
   * Background renders follow once no foreground render runs or waits.
   */
  private admit(): void {
    for (let head = this.waiting[0]; head && this.fits(head.cost); head = this.waiting[0]) {
      this.waiting.shift();
      head.start();
    }
    for (let head = this.backlog[0]; head && this.fitsBackground(head.cost); head = this.backlog[0]) {
      this.backlog.shift();
      head.start();
    }
    this.scheduleBackground();
  }

  /**
   * Only once no foreground render has run or waited for the grace, in half the slots at most
   * (one at least).
   */
  private fitsBackground(cost: RenderCost): boolean {
    if (!this.foregroundIdle() || performance.now() - this.lastForeground < this.graceMs) return false;
    return this.runningBackground < Math.max(1, Math.floor(this.options.concurrency / 2)) && this.fits(cost);
  }

  private foregroundIdle(): boolean {
    return this.waiting.length === 0 && this.running.size === this.runningBackground;
  }

  private get graceMs(): number {
    return this.options.backgroundGraceMs ?? defaultBackgroundGraceMs;
  }

  /** Looks at the background queue again once the grace has passed (a foreground render's end looks anyway). */
  private scheduleBackground(): void {
    if (this.backgroundTimer !== undefined || this.backlog.length === 0 || !this.foregroundIdle()) return;
    const left = this.lastForeground + this.graceMs - performance.now();
    this.backgroundTimer = setTimeout(
      () => {
        this.backgroundTimer = undefined;
        this.admit();
      },
      Math.max(0, Math.ceil(left)),
    );
    this.backgroundTimer.unref();
  }

  /** Room for one more: a slot, and either nothing running or the budget holding it. */
  private fits(cost: RenderCost, running = this.running.size, bytes = this.runningBytes): boolean {
    if (running >= this.options.concurrency) return false;
    return running === 0 || bytes + cost.bytes <= this.options.budgetBytes;
  }

  private learn(cost: RenderCost, elapsedMs: number): void {
    if (cost.ms <= 0) return;
    const ratio = Math.min(maxSpeed, Math.max(minSpeed, elapsedMs / cost.ms));
    this.speed = Math.exp((1 - speedWeight) * Math.log(this.speed) + speedWeight * Math.log(ratio));
  }
}

function sum(entries: { bytes: number }[]): number {
  return entries.reduce((total, entry) => total + entry.bytes, 0);
}
