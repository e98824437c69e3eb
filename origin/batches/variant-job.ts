import { isPixelfrontError } from '../../core/errors.ts';
import type { JobHandler, JobOutcome, QueuedJob, VariantJob } from '../queue/index.ts';
import { variantJobId } from '../queue/job-id.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Logger } from '../logger.ts';
import { canonicalTransform, type TransformContext } from '../transform/plan.ts';
import { variantIdentity, variantRequest } from '../transform/variant-identity.ts';
import type { VariantService } from '../transform/variants.ts';
import type { BatchStore, ItemResult } from './batch-store.ts';
import type { PlannedItem } from './plan.ts';

/** What a variant job needs: the image row, the grammar to parse its ops, and the VariantService. */
export interface VariantJobDeps {
  catalog: Pick<Catalog, 'getImageById'>;
  grammar: TransformContext;
  variants: Pick<VariantService, 'ensure'>;
  logger: Logger;
}

/**
 * Makes one variant with the same VariantService as deliveries (skipped when it is already in
 * storage) and records the result on its batch item. Errors caused by the source or the request
 * (4xx codes such as `corrupt_image`) are final; anything else is thrown so the queue retries it,
 * until the last attempt, which records the failure too.
 */
export function variantJobHandler(services: VariantJobDeps, batches: BatchStore): JobHandler {
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
        // The canonical ops have the preset expanded: the job names it for the statistics.
        const transform = { ...canonicalTransform(services.grammar, job.canonical), preset: job.preset };
        await services.variants.ensure(variantRequest(image, transform, job.format));
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

/** The queue entries of planned items (a batch's, or an upload's eager presets without a batch), from the hashes planned with them. */
export function plannedJobs(items: readonly PlannedItem[], batchId?: string): QueuedJob[] {
  return items.map((item) => {
    const job: VariantJob = { imageId: item.imageId, canonical: item.canonical, format: item.format };
    if (batchId !== undefined) job.batchId = batchId;
    if (item.preset !== undefined) job.preset = item.preset;
    return { id: variantJobId(batchId, { imageId: item.imageId, hash: item.hash, format: item.format }), job };
  });
}

/**
 * A queue entry for a stored job (a batch resumed after a restart); its id collapses repeats of
 * the same variant within a batch. Throws `invalid_transform` for ops that no longer parse.
 */
export function queuedJob(grammar: TransformContext, job: VariantJob): QueuedJob {
  const { canonicalWithoutFormat, progressive } = canonicalTransform(grammar, job.canonical);
  return { id: variantJobId(job.batchId, variantIdentity(job.imageId, canonicalWithoutFormat, job.format, progressive)), job };
}
