import type { OutputFormat } from '../../core/transform-spec.ts';

/**
 * One variant to make: small and safe to repeat (ids and canonical ops, never bytes or secrets).
 * Running it twice renders at most once, because the variant is skipped once it is in storage.
 */
export interface VariantJob {
  /** Set for batch items; eager jobs after an upload have none. */
  batchId?: string;
  imageId: string;
  /** Canonical ops (presets expanded), as the grammar prints them; `f_auto` stays as is. */
  canonical: string;
  /** The concrete output format: `f_auto` was resolved when the job was planned. */
  format: OutputFormat;
  /** The preset it was planned from (its render counts under it in GET /v1/stats?groupBy=preset). */
  preset?: string;
}

/**
 * `done`: the variant is in storage. `failed`: it never will be (the source cannot render, or
 * retries ran out); the handler has recorded why. Throwing means "transient, try again".
 */
export type JobOutcome = 'done' | 'failed';

export interface JobHandler {
  run(job: VariantJob, attempt: { number: number; final: boolean }): Promise<JobOutcome>;
}

export interface QueuedJob {
  /** Derived from the batch and the variant, so enqueuing the same work twice collapses. */
  id: string;
  job: VariantJob;
}

/** Where variant jobs wait: in this process by default, BullMQ on Redis when REDIS_URL is set. */
export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Adds jobs; a job whose id is already waiting or running is not added again. Throws `unavailable` when the backend is down. */
  enqueue(jobs: readonly QueuedJob[]): Promise<void>;
  /** Starts consuming in this process (in-process backend); BullMQ jobs are consumed by `npm run worker`. */
  start(handler: JobHandler): void;
  /** Jobs waiting or delayed for a retry (not running). */
  depth(): Promise<number>;
  /** Throws `unavailable` when jobs cannot be queued right now. */
  ping(): Promise<void>;
  /** Stops taking jobs and lets running ones finish. */
  close(): Promise<void>;
}

/** Retry policy for transient failures (storage or database errors, a full render queue). */
export interface RetryPolicy {
  attempts: number;
  /** First delay; doubles with each retry. */
  backoffMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, backoffMs: 1_000 };
