import { Worker } from 'node:worker_threads';
import type { PixelfrontError } from '../../../core/errors.ts';

/**
 * Scores candidates against one reference image with SSIM (ssim.js) on a worker thread of its
 * own, started when the search starts so its boot overlaps the first encode, and ended with the
 * search. Past the deadline the worker is terminated (the only way to stop synchronous code)
 * and `expired()` is thrown; a worker that fails takes only this render with it.
 */
export class SsimScorer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(score: number): void; reject(error: unknown): void }>();
  private nextId = 0;
  private failure: Error | undefined;

  /** `reference`: RGBA, width × height × 4 bytes (copied: the caller keeps its buffer). */
  constructor(
    reference: Uint8Array,
    readonly width: number,
    readonly height: number,
    private readonly deadline: number,
    private readonly expired: () => PixelfrontError,
  ) {
    const copy = new Uint8Array(reference).buffer;
    // execArgv []: the parent's TypeScript loader means nothing to a plain JavaScript worker.
    this.worker = new Worker(new URL('./ssim-worker.mjs', import.meta.url), {
      workerData: { reference: copy, width, height },
      transferList: [copy],
      execArgv: [],
    });
    this.worker.on('message', (reply: { id: number; ok: true; score: number } | { id: number; ok: false; message: string }) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.score);
      else waiter?.reject(new Error(`SSIM failed: ${reply.message}`));
    });
    const stop = (error: Error) => {
      this.failure = error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', stop);
    this.worker.on('exit', (code) => stop(new Error(`the SSIM worker exited (code ${code})`)));
  }

  /** SSIM of `candidate` (RGBA, same size) against the reference: 1 is identical. */
  async score(candidate: Uint8Array): Promise<number> {
    if (this.failure !== undefined) throw this.failure;
    if (candidate.length !== this.width * this.height * 4) throw new Error('the SSIM candidate is not the reference size');
    if (Date.now() >= this.deadline) throw this.expired();
    const id = this.nextId++;
    const copy = new Uint8Array(candidate).buffer;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<number>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        timer = setTimeout(
          () => {
            this.pending.delete(id);
            void this.worker.terminate();
            reject(this.expired());
          },
          Math.max(0, this.deadline - Date.now()),
        );
        this.worker.postMessage({ id, pixels: copy }, [copy]);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
