import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fail, type PixelfrontError } from '../../core/errors.ts';

/**
 * JPEG XL encoding off the event loop. sharp's prebuilt libvips has no JPEG XL encoder, so libjxl
 * compiled to WebAssembly (npm `@jsquash/jxl`) runs in a few long-lived worker threads: the
 * module is compiled once here and shared, a job waits for a free worker under its render
 * deadline, and a job past that deadline has its worker terminated (a WASM call cannot be
 * interrupted otherwise) and replaced.
 */

export interface JxlJob {
  /** Unpremultiplied 8-bit RGBA, width × height × 4 bytes; handed to the worker (not usable after). */
  rgba: Buffer;
  width: number;
  height: number;
  /** libjxl's quality scale (0…100, 100 lossless); its distance follows from it. */
  quality: number;
  /** libjxl's effort, 1…9. */
  effort: number;
}

type Reply = { ready: true } | { ok: true; data: ArrayBuffer } | { ok: false; message: string };

interface Waiter {
  job: JxlJob;
  deadline: number;
  timedOut: () => PixelfrontError;
  resolve: (data: Buffer) => void;
  reject: (error: unknown) => void;
}

/**
 * WebAssembly memory never shrinks: a worker that encoded a large image keeps that heap (about
 * 65 bytes per pixel) for good. Past this size the worker is retired after the job, so an idle
 * pool holds little.
 */
const RETIRE_AFTER_PIXELS = 2_000_000;

const require = createRequire(import.meta.url);
const workerUrl = new URL('./encode-worker.mjs', import.meta.url);
/** ES2023's lib declares no WebAssembly value (that comes with the DOM lib, which the origin does not load). */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;

export class JxlEncoderPool {
  private module: Promise<unknown> | undefined;
  private readonly idle: Worker[] = [];
  private running = 0;
  private readonly queue: Waiter[] = [];
  private closed = false;

  constructor(private readonly size: number) {}

  /** Encodes one image; past `deadline` (Date.now() scale) it throws `timedOut()`. */
  encode(job: JxlJob, deadline: number, timedOut: () => PixelfrontError): Promise<Buffer> {
    if (this.closed) return Promise.reject(fail('unavailable', 'the JPEG XL encoder is shutting down'));
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ job, deadline, timedOut, resolve, reject });
      this.dispatch();
    });
  }

  /** Workers busy or idle, for tests and metrics. */
  get threads(): number {
    return this.running + this.idle.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(fail('unavailable', 'the JPEG XL encoder is shutting down'));
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.running < this.size)) {
      const waiter = this.queue.shift();
      if (waiter === undefined) return;
      if (Date.now() >= waiter.deadline) {
        waiter.reject(waiter.timedOut());
        continue;
      }
      this.running += 1;
      void this.run(waiter).finally(() => {
        this.running -= 1;
        this.dispatch();
      });
    }
    this.expireWaiting();
  }

  /** A waiter whose deadline passes in the queue is refused then, not when a worker frees up. */
  private expireTimer: NodeJS.Timeout | undefined;
  private expireWaiting(): void {
    clearTimeout(this.expireTimer);
    if (this.queue.length === 0) return;
    const next = Math.min(...this.queue.map((waiter) => waiter.deadline));
    this.expireTimer = setTimeout(
      () => {
        const now = Date.now();
        for (const waiter of this.queue.filter((candidate) => candidate.deadline <= now)) {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          waiter.reject(waiter.timedOut());
        }
        this.expireWaiting();
      },
      Math.max(0, next - Date.now()),
    );
    this.expireTimer.unref();
  }

  private async run(waiter: Waiter): Promise<void> {
    let worker: Worker;
    try {
      worker = this.idle.pop() ?? (await this.start());
    } catch (error) {
      waiter.reject(error);
      return;
    }
    const { job } = waiter;
    const pixels = job.width * job.height;
    let keep = pixels <= RETIRE_AFTER_PIXELS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const data = await new Promise<Buffer>((resolve, reject) => {
        timer = setTimeout(() => reject(waiter.timedOut()), Math.max(0, waiter.deadline - Date.now()));
        worker.once('message', (reply: Reply) => {
          if ('ready' in reply) return reject(new Error('the JPEG XL worker answered out of turn'));
          if (reply.ok) return resolve(Buffer.from(reply.data));
          reject(encoderFailure(reply.message, pixels));
        });
        worker.once('error', (error) => reject(encoderFailure(error.message, pixels, error)));
        worker.once('exit', (code) => reject(encoderFailure(`the worker exited (code ${code})`, pixels)));
        // A copy of its own for the worker, transferred: the caller's buffer may be a pool slice.
        const copy = new Uint8Array(job.rgba).buffer;
        worker.postMessage({ pixels: copy, width: job.width, height: job.height, quality: job.quality, effort: job.effort }, [copy]);
      });
      waiter.resolve(data);
    } catch (error) {
      // Timed out (still inside WASM) or broken: this worker is not reused.
      keep = false;
      waiter.reject(error);
    } finally {
      clearTimeout(timer);
      for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
      // An 'error' with no listener would be thrown: whatever comes now is this job's past.
      worker.on('error', () => undefined);
      if (keep && !this.closed) this.idle.push(worker);
      else void worker.terminate();
    }
  }

  private async start(): Promise<Worker> {
    this.module ??= readFile(require.resolve('@jsquash/jxl/codec/enc/jxl_enc.wasm')).then((bytes) => wasm.compile(bytes));
    const module = await this.module;
    // execArgv []: the parent's flags (a TypeScript loader) mean nothing to plain JavaScript.
    // stdout/stderr kept apart: Emscripten's own prints must not mix into the origin's JSON log.
    const worker = new Worker(workerUrl, { workerData: { module }, execArgv: [], stdout: true, stderr: true });
    // Idle workers must not keep a finished process alive.
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the JPEG XL worker exited (code ${code}) while starting`)));
    });
    for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
    return worker;
  }
}

/** Out of WebAssembly memory (2 GB in this build) is the request's size; anything else is ours, retryable. */
function encoderFailure(message: string, pixels: number, cause?: unknown): PixelfrontError {
  if (/memory|enlarge|alloc/i.test(message)) {
    return fail('image_too_large', `the JPEG XL encoder ran out of memory for ${pixels} pixels; ask for a smaller output`, { cause });
  }
  return fail('unavailable', `JPEG XL encoding failed: ${message.slice(0, 200)}`, { retryAfter: 1, cause });
}

let shared: JxlEncoderPool | undefined;

/** The process's pool: one worker per core, since an encode keeps one core busy. */
export function jxlEncoders(): JxlEncoderPool {
  shared ??= new JxlEncoderPool(availableParallelism());
  return shared;
}
