import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorCatalogue, fail, type ErrorCode, type PixelfrontError } from '../../../core/errors.ts';
import type { SvgLimits } from './sanitize.ts';
import type { SanitizeReply, SanitizeRequest } from './sanitize-worker.ts';

/**
 * Sanitising runs on worker threads, never on the event loop: it is synchronous JavaScript that
 * took 19 s for a 15 MB SVG of 380,000 elements and stalled /healthz for 6 s (issue 14 item 6).
 * A job past its deadline has its worker terminated (the only way to stop synchronous code), and
 * a worker that runs out of its heap takes only its own job with it; either is replaced on the
 * next job. Rasterising needs no such care: libvips runs it on its own threads, bounded by sharp's
 * timeout.
 */

export interface SvgSanitizer {
  readonly limits: SvgLimits;
  /** The sanitised document (UTF-8), or the PixelfrontError the sanitiser raised. */
  sanitize(input: Buffer, deadline: SanitizeDeadline): Promise<Buffer>;
  close(): Promise<void>;
}

export interface SanitizeDeadline {
  timeoutMs: number;
  /** What the caller answers when the deadline passes: 422 at ingest, 503 at render. */
  expired(): PixelfrontError;
}

export interface SvgPoolOptions {
  limits: SvgLimits;
  /** Worker threads; each sanitises one document at a time. */
  workers: number;
  /** V8 heap per worker; a document needing more is 422 image_too_large. */
  heapMb?: number;
}

interface Job {
  input: Buffer;
  deadline: SanitizeDeadline;
  resolve(svg: Buffer): void;
  reject(error: unknown): void;
}

/** Inputs above this size end their worker afterwards, so the heap it grew is given back. */
const RECYCLE_AFTER_BYTES = 4 * 1024 * 1024;

export class SvgWorkerPool implements SvgSanitizer {
  private readonly idle: Worker[] = [];
  private readonly waiting: Job[] = [];
  private running = 0;
  private readonly all = new Set<Worker>();
  private closed = false;

  constructor(private readonly options: SvgPoolOptions) {}

  get limits(): SvgLimits {
    return this.options.limits;
  }

  sanitize(input: Buffer, deadline: SanitizeDeadline): Promise<Buffer> {
    if (this.closed) return Promise.reject(fail('unavailable', 'the SVG sanitiser is shut down'));
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.push({ input, deadline, resolve, reject });
      this.next();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(fail('unavailable', 'the SVG sanitiser is shut down'));
    await Promise.all([...this.all].map((worker) => worker.terminate()));
  }

  private next(): void {
    if (this.closed || this.running >= this.options.workers) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.running += 1;
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    void this.run(worker, job).finally(() => {
      this.running -= 1;
      this.next();
    });
  }

  private run(worker: Worker, job: Job): Promise<void> {
    return new Promise<void>((done) => {
      const finish = (keep: boolean, settle: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (keep && !this.closed) {
          worker.unref();
          this.idle.push(worker);
        } else {
          this.all.delete(worker);
          void worker.terminate();
        }
        settle();
        done();
      };
      const onMessage = (reply: SanitizeReply) =>
        finish(job.input.length <= RECYCLE_AFTER_BYTES, () =>
          reply.ok ? job.resolve(Buffer.from(reply.svg.buffer, reply.svg.byteOffset, reply.svg.byteLength)) : job.reject(replyError(reply)),
        );
      // A lost worker is the server's trouble, not the document's (except for memory): 503, retryable.
      const onError = (error: Error) =>
        finish(false, () =>
          job.reject(
            (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? fail('image_too_large', 'the SVG needs more memory to sanitise than one document may use', { cause: error })
              : fail('unavailable', 'the SVG sanitiser failed; retry', { retryAfter: 1, cause: error }),
          ),
        );
      const onExit = (code: number) =>
        finish(false, () => job.reject(fail('unavailable', `the SVG sanitiser exited (code ${code}); retry`, { retryAfter: 1 })));
      const timer = setTimeout(() => finish(false, () => job.reject(job.deadline.expired())), job.deadline.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      const request: SanitizeRequest = { input: job.input, limits: this.limits };
      worker.postMessage(request);
    });
  }

  private spawn(): Worker {
    const heap = this.options.heapMb ?? 512;
    const resourceLimits = { maxOldGenerationSizeMb: heap };
    const worker = fromSource
      ? new Worker(typeScriptBootstrap, { eval: true, resourceLimits })
      : new Worker(new URL('./sanitize-worker.js', import.meta.url), { resourceLimits });
    this.all.add(worker);
    return worker;
  }
}

// From dist/ the worker is plain JavaScript. From source (tests, `npm run dev`) it is TypeScript:
// the worker registers tsx's loader first (a worker does not inherit the main thread's hooks,
// and Node 20 ignores `--import` in a worker's execArgv).
const fromSource = import.meta.url.endsWith('.ts');
const typeScriptBootstrap = fromSource
  ? `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs'))});
require(${JSON.stringify(fileURLToPath(new URL('./sanitize-worker.ts', import.meta.url)))});`
  : '';

function replyError(reply: Extract<SanitizeReply, { ok: false }>): Error {
  return Object.hasOwn(errorCatalogue, reply.code) ? fail(reply.code as ErrorCode, reply.message) : new Error(reply.message);
}
