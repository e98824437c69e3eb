import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobOutcome } from '../origin/queue/types.ts';

export interface WorkerMetrics {
  registry: Registry;
  observe: (outcome: JobOutcome | 'retry', seconds: number) => void;
}

/**
 * What an autoscaler needs from a worker: the queue depth (shared by all workers), and this
 * worker's finished jobs and their durations. A registry of its own, not prom-client's global one.
 */
export function createWorkerMetrics(queueDepth: () => Promise<number>): WorkerMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'pixelfront_queue_depth',
    help: 'Variant jobs waiting in the queue (including delayed retries)',
    registers: [registry],
    async collect() {
      // Redis down: report nothing rather than a misleading zero.
      const depth = await queueDepth().catch(() => undefined);
      if (depth !== undefined) this.set(depth);
    },
  });
  const jobs = new Counter({
    name: 'pixelfront_worker_jobs_total',
    help: 'Variant jobs finished by this worker, by outcome (done, failed, retry)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'pixelfront_worker_job_seconds',
    help: 'Time to make one variant, including the storage check and write',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  for (const outcome of ['done', 'failed', 'retry']) jobs.inc({ outcome }, 0);
  return {
    registry,
    observe(outcome, duration) {
      jobs.inc({ outcome });
      seconds.observe({ outcome }, duration);
    },
  };
}
