import type { Kysely } from 'kysely';
import { isPixelfrontError } from '../../core/errors.ts';
import type { Database } from '../catalog/schema.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createJobQueue, type JobQueue, type QueuedJob } from '../queue/index.ts';
import { BatchStore } from './batch-store.ts';
import { queuedJob, variantJobHandler, type VariantJobDeps } from './variant-job.ts';

/** The origin's background work: the job queue and batch state in the catalog. */
export interface BatchWork {
  queue: JobQueue;
  batches: BatchStore;
  /** Once the services exist: consume in-process jobs, re-queue unfinished batches. */
  start(services: VariantJobDeps): Promise<void>;
  /** Lets running jobs finish. */
  close(): Promise<void>;
}

export function createBatchWork(config: Config, logger: Logger, db: Kysely<Database>): BatchWork {
  const queue = createJobQueue(config, logger);
  const batches = new BatchStore(db);
  return {
    queue,
    batches,
    async start(services) {
      queue.start(variantJobHandler(services, batches));
      if (queue.kind === 'in-process') await resumeBatches({ grammar: services.grammar, logger: services.logger, queue }, batches);
    },
    async close() {
      await queue.close();
    },
  };
}

/**
 * The in-process queue forgets its jobs on exit; the catalog does not. Pending items of every
 * unfinished batch are queued again, and the ones already in storage finish without a render.
 */
export async function resumeBatches(
  services: Pick<VariantJobDeps, 'grammar' | 'logger'> & { queue: Pick<JobQueue, 'enqueue'> },
  batches: BatchStore,
): Promise<number> {
  const jobs: QueuedJob[] = [];
  for (const item of await batches.pendingItems()) {
    const job = { batchId: item.batchId, imageId: item.imageId, canonical: item.canonical, format: item.format };
    try {
      jobs.push(queuedJob(services.grammar, job));
    } catch (error) {
      // The ops no longer parse (e.g. MAX_OUTPUT_DIMENSION was lowered): final for this item.
      if (!isPixelfrontError(error)) throw error;
      await batches.finish(job, { ok: false, code: error.code, detail: error.message });
    }
  }
  if (jobs.length > 0) services.logger.info('resuming unfinished batches', { jobs: jobs.length });
  await services.queue.enqueue(jobs);
  return jobs.length;
}
