import { isPixelfrontError } from '../../core/errors.ts';
import type { ImageRecord } from '../catalog/types.ts';
import type { Services } from '../services.ts';
import { planItems, planTransforms, type PlannedTransform } from './plan.ts';
import { queuedJob } from './variant-job.ts';

/**
 * Parses an upload's `eager` value (`thumb,card`: preset names). Throws 400 `invalid_transform`
 * for an unknown preset, so routes can refuse the upload before storing anything.
 */
export function parseEager(services: Services, raw: string | undefined): PlannedTransform[] {
  const presets = (raw ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return planTransforms(services, { presets: [...new Set(presets)], transforms: [] });
}

/**
 * `afterUpload`: queues the eager presets of a registered image (for `f_auto` presets one variant
 * per negotiable format). The upload has already succeeded, so nothing here fails it: a bad
 * value or an unreachable queue is logged, and the variants are simply rendered on first request.
 */
export async function queueEager(services: Services, image: ImageRecord, raw: string | undefined): Promise<void> {
  if (raw === undefined || raw.trim() === '') return;
  try {
    const items = planItems([image], parseEager(services, raw));
    await services.queue.enqueue(
      items.map((item) => queuedJob(services, { imageId: item.imageId, canonical: item.canonical, format: item.format })),
    );
  } catch (error) {
    // The image is stored either way: a client must not be told otherwise because of the queue.
    const code = isPixelfrontError(error) ? error.code : 'internal';
    services.logger.warn('eager presets not queued', {
      imageId: image.id,
      eager: raw.slice(0, 200),
      code,
      detail: error instanceof Error ? error.message : String(error),
    });
  }
}
