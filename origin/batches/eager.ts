import { isPixelfrontError } from '../../core/errors.ts';
import type { ImageRecord } from '../catalog/types.ts';
import type { Logger } from '../logger.ts';
import type { JobQueue } from '../queue/index.ts';
import type { PlannedTransform } from '../transform/plan.ts';
import { planItems } from './plan.ts';
import { plannedJobs } from './variant-job.ts';

/**
 * `afterUpload`: queues the eager presets of a registered image, as the upload planned them
 * (planEager; for `f_auto` presets one variant per negotiable format). The upload has already
 * succeeded, so nothing here fails it: an unreachable queue is logged, and the variants are
 * simply rendered on first request.
 */
export async function queueEager(
  deps: { queue: JobQueue; logger: Logger },
  image: ImageRecord,
  eager: readonly PlannedTransform[],
): Promise<void> {
  if (eager.length === 0) return;
  try {
    await deps.queue.enqueue(plannedJobs(planItems([image], eager)));
  } catch (error) {
    // The image is stored either way: a client must not be told otherwise because of the queue.
    deps.logger.warn('eager presets not queued', {
      imageId: image.id,
      eager: eager.map((transform) => transform.label).join(','),
      code: isPixelfrontError(error) ? error.code : 'internal',
      detail: error instanceof Error ? error.message : String(error),
    });
  }
}
