import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { fail, isPixelfrontError } from '../../core/errors.ts';
import type { Logger } from '../logger.ts';
import { runJobAttempt } from './job-log.ts';
import { failFastRedisOptions } from './redis-connection.ts';
import {
  defaultRetryPolicy,
  type JobHandler,
  type JobOutcome,
  type JobQueue,
  type QueuedJob,
  type RetryPolicy,
  type VariantJob,
} from './types.ts';

/** The BullMQ queue name; QUEUE_PREFIX separates deployments sharing one Redis. */
export const VARIANT_QUEUE = 'variants';
const addChunk = 1_000;

export interface RedisQueueOptions {
  redisUrl: string;
  prefix: string;
  retry?: RetryPolicy;
}

export interface ProducerOptions extends RedisQueueOptions {
  /** REDIS_COMMAND_TIMEOUT_MS: a command, and a whole call, fails with 503 after this. */
  timeoutMs: number;
}

/**
 * The producer side of the BullMQ backend, used by the origin. Commands fail fast while Redis is
 * down (no offline queue), so uploads and batches never hang on it: POST /v1/batches answers 503.
 */
export class BullmqQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly redis: Redis;
  private readonly queue: Queue<VariantJob>;
  private lastErrorLog = 0;

  private readonly timeoutMs: number;

  constructor(
    options: ProducerOptions,
    private readonly logger: Logger,
  ) {
    const retry = options.retry ?? defaultRetryPolicy;
    this.timeoutMs = options.timeoutMs;
    this.redis = new Redis(options.redisUrl, { ...failFastRedisOptions(options.timeoutMs), maxRetriesPerRequest: 1 });
    this.redis.on('error', (error: Error) => this.logError(error));
    this.queue = new Queue<VariantJob>(VARIANT_QUEUE, {
      connection: this.redis,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: retry.attempts,
        backoff: { type: 'exponential', delay: retry.backoffMs },
        // Finished jobs are kept a while so a repeated add of the same id collapses.
        removeOnComplete: { age: 3_600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
    this.queue.on('error', (error: Error) => this.logError(error));
  }

  async enqueue(jobs: readonly QueuedJob[]): Promise<void> {
    await this.ping();
    for (let start = 0; start < jobs.length; start += addChunk) {
      const chunk = jobs.slice(start, start + addChunk).map(({ id, job }) => ({ name: 'variant', data: job, opts: { jobId: id } }));
      await withTimeout(this.queue.addBulk(chunk), 'adding jobs', this.timeoutMs);
    }
  }

  start(): void {
    // Consumers are `npm run worker` processes (worker-pool/).
  }

  async depth(): Promise<number> {
    await this.ping();
    const counts = await withTimeout(this.queue.getJobCounts('wait', 'delayed', 'prioritized'), 'counting jobs', this.timeoutMs);
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async ping(): Promise<void> {
    if (this.redis.status !== 'ready')
      throw fail('unavailable', `the job queue (Redis) is unavailable: ${this.redis.status}`, { retryAfter: 5 });
    await withTimeout(this.redis.ping(), 'ping', this.timeoutMs);
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }

  private logError(error: Error): void {
    // ioredis reports every failed reconnect; one line per 30 s is enough to see the outage.
    if (Date.now() - this.lastErrorLog < 30_000) return;
    this.lastErrorLog = Date.now();
    this.logger.warn('job queue (Redis) error', { error: error.message });
  }
}

/** The whole call within `ms` (its commands are bounded each; BullMQ may wait between them). */
async function withTimeout<T>(work: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail('unavailable', `the job queue (Redis) did not answer ${what} in time`, { retryAfter: 5 })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    if (isPixelfrontError(error)) throw error;
    throw fail('unavailable', `the job queue (Redis) failed ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      retryAfter: 5,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

export interface ConsumerOptions extends RedisQueueOptions {
  concurrency: number;
  /** How long a job stays locked to a worker that stopped renewing it (killed) before another takes it. */
  lockMs: number;
  onOutcome?: (outcome: JobOutcome | 'retry', seconds: number) => void;
  /** A `job` line per attempt (LOG_ACCESS). */
  jobLines?: boolean;
}

/**
 * The consumer side, run by `npm run worker`: BullMQ runs `handler` for each job. A permanent
 * failure becomes UnrecoverableError (no retry); any other throw is retried with backoff.
 */
export interface Consumer {
  worker: Worker<VariantJob>;
  /** Finishes the running jobs, then disconnects. */
  close(): Promise<void>;
}

export function startBullmqConsumer(options: ConsumerOptions, handler: JobHandler, logger: Logger): Consumer {
  const retry = options.retry ?? defaultRetryPolicy;
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (error: Error) => logger.warn('worker Redis error', { error: error.message }));
  const worker = new Worker<VariantJob>(
    VARIANT_QUEUE,
    async function processVariantJob(job: Job<VariantJob>) {
      const started = performance.now();
      const attempts = job.opts.attempts ?? retry.attempts;
      const number = job.attemptsMade + 1;
      let outcome: JobOutcome;
      try {
        const entry = { id: job.id ?? '', job: job.data, attempt: number };
        outcome = await runJobAttempt({ logger, lines: options.jobLines ?? true }, entry, () =>
          handler.run(job.data, { number, final: number >= attempts }),
        );
      } catch (error) {
        options.onOutcome?.('retry', (performance.now() - started) / 1000);
        throw error;
      }
      options.onOutcome?.(outcome, (performance.now() - started) / 1000);
      if (outcome === 'failed') throw new UnrecoverableError(`variant ${job.id ?? ''} cannot be made (recorded on the batch)`);
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1_000, Math.floor(options.lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('error', (error: Error) => logger.warn('worker error', { error: error.message }));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
