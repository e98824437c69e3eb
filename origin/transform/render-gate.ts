import { fail } from '../../core/errors.ts';

/**
 * Back-pressure for renders: at most `concurrency` run at once and at most `queueLimit` wait.
 * Past that a request is refused at once with 503 `overloaded` and Retry-After, instead of
 * piling up decoded images until memory runs out.
 */
export class RenderGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueLimit: number,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) {
        throw fail('overloaded', `render capacity exhausted (${this.concurrency} running, ${this.waiting.length} waiting)`, {
          retryAfter: 1,
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter; `running` stays the same.
      if (next) next();
      else this.running--;
    }
  }
}
