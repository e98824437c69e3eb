import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { BullmqQueue } from './bullmq-queue.ts';
import { InProcessQueue } from './in-process-queue.ts';
import type { JobQueue } from './types.ts';

export type { JobHandler, JobOutcome, JobQueue, QueuedJob, VariantJob } from './types.ts';
export { variantJobId } from './job-id.ts';

/** Jobs run one at a time inside the origin: bulk work must not starve deliveries. */
const inProcessConcurrency = 1;

/** BullMQ on Redis when REDIS_URL is set, else the in-process queue. */
export function createJobQueue(config: Config, logger: Logger): JobQueue {
  if (config.redisUrl !== undefined)
    return new BullmqQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix, timeoutMs: config.redisCommandTimeoutMs }, logger);
  return new InProcessQueue(logger, { concurrency: inProcessConcurrency, jobLines: config.logAccess });
}
