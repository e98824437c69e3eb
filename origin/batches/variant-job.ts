import { isPixelfrontError } from '../../core/errors.ts';
import { canonicalTransform } from '../delivery/variant.ts';
import type { JobHandler, JobOutcome, QueuedJob, VariantJob } from '../queue/index.ts';
import { variantJobId } from '../queue/job-id.ts';
import type { Services } from '../services.ts';
import { variantIdentity } from '../transform/variant-identity.ts';
import type { BatchStore, ItemResult } from './batch-store.ts';

/**
 * Makes one variant with the same VariantService as deliveries (skipped when it is already in
 * storage) and records the result on its batch item. Errors caused by the source or the request
 * (4xx codes such as `corrupt_image`) are final; anything else is thrown so the queue retries it,
 * until the last attempt, which records the failure too.
 */
export function variantJobHandler(services: Services, batches: BatchStore): JobHandler {
  const record = async (job: VariantJob, result: ItemResult): Promise<JobOutcome> => {
    if (job.batchId !== undefined) await batches.finish({ ...job, batchId: job.batchId }, result);
    return result.ok ? 'done' : 'failed';
  };
  return {
    async run(job, attempt): Promise<JobOutcome> {
      if (job.batchId !== undefined) await batches.markStarted(job.batchId);
      try {
        const image = await services.catalog.getImageById(job.imageId);
        if (image === null) return await record(job, { ok: false, code: 'not_found', detail: `image ${job.imageId} was deleted` });
        const transform = canonicalTransform(services, job.canonical);
        const { format } = job;
        await services.variants.ensure({
          image,
          spec: { ...transform.spec, f: format },
          canonicalWithoutFormat: transform.canonicalWithoutFormat,
          format,
        });
        return await record(job, { ok: true });
      } catch (error) {
        const permanent = isPixelfrontError(error) && error.status < 500;
        if (!permanent && !attempt.final) throw error;
        const code = isPixelfrontError(error) ? error.code : 'unavailable';
        const detail = error instanceof Error ? error.message : String(error);
        services.logger.warn('variant job failed', {
          imageId: job.imageId,
          canonical: job.canonical,
          format: job.format,
          code,
          detail,
          attempt: attempt.number,
        });
        return await record(job, { ok: false, code, detail });
      }
    },
  };
}

/** A queue entry for a variant; its id collapses repeats of the same variant within a batch. Throws `invalid_transform` for ops that no longer parse. */
export function queuedJob(services: Services, job: VariantJob): QueuedJob {
  const { canonicalWithoutFormat } = canonicalTransform(services, job.canonical);
  return { id: variantJobId(job.batchId, variantIdentity(job.imageId, canonicalWithoutFormat, job.format)), job };
}
