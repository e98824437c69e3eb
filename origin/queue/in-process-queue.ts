import type { Logger } from '../logger.ts';
import { runJobAttempt } from './job-log.ts';
import { defaultRetryPolicy, type JobHandler, type JobQueue, type QueuedJob, type RetryPolicy } from './types.ts';

interface Entry extends QueuedJob {
  attempt: number;
}

/**
 * The embedded queue: jobs run inside the origin, `concurrency` at a time (1 by default, so
 * deliveries keep priority over bulk work). Nothing is persisted here: batch items live in the
 * catalog and are queued again at start (see resumeBatches).
 */
export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process';
  private readonly waiting: Entry[] = [];
  /** Ids waiting, delayed for a retry or running: the dedup set. */
  private readonly known = new Set<string>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private handler: JobHandler | undefined;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly options: { concurrency: number; retry?: RetryPolicy; jobLines?: boolean } = { concurrency: 1 },
  ) {}

  async enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    for (const { id, job } of jobs) {
      if (this.known.has(id)) continue;
      this.known.add(id);
      this.waiting.push({ id, job, attempt: 1 });
    }
    this.pump();
  }

  start(handler: JobHandler): void {
    this.handler = handler;
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.retryTimers.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    const { handler } = this;
    if (handler === undefined) return;
    while (!this.closed && this.running.size < this.options.concurrency) {
      const entry = this.waiting.shift();
      if (entry === undefined) return;
      const task = this.execute(handler, entry).finally(() => {
        this.running.delete(task);
        this.pump();
      });
      this.running.add(task);
    }
  }

  private async execute(handler: JobHandler, entry: Entry): Promise<void> {
    const retry = this.options.retry ?? defaultRetryPolicy;
    const final = entry.attempt >= retry.attempts;
    try {
      const log = { logger: this.logger, lines: this.options.jobLines ?? true };
      await runJobAttempt(log, entry, () => handler.run(entry.job, { number: entry.attempt, final }));
      this.known.delete(entry.id);
    } catch (error) {
      if (final || this.closed) {
        // The handler records the failure on its final attempt; a throw there is a catalog outage.
        this.known.delete(entry.id);
        this.logger.error('variant job dropped', { jobId: entry.id, attempt: entry.attempt, error: String(error) });
        return;
      }
      const delay = retry.backoffMs * 2 ** (entry.attempt - 1);
      this.logger.warn('variant job failed; retrying', { jobId: entry.id, attempt: entry.attempt, delayMs: delay, error: String(error) });
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.waiting.push({ ...entry, attempt: entry.attempt + 1 });
        this.pump();
      }, delay);
      // A pending retry must not keep a finished process alive.
      timer.unref();
      this.retryTimers.add(timer);
    }
  }
}
