import type { Logger } from '../logger.ts';
import type { ExpiredVariant, StorageCounter } from '../stats/storage-counter.ts';
import { imageOfVariantKey, VARIANTS_PREFIX } from './layout.ts';
import type { ObjectStorage } from './types.ts';

const dayMs = 86_400_000;
const sweepEveryMs = 3_600_000;
const firstSweepAfterMs = 60_000;

/**
 * Deletes stored variants written before `olderThan`, taking them off the storage counters;
 * returns how many. A deleted variant is rendered again on its next request.
 */
export async function sweepVariants(storage: ObjectStorage, olderThan: Date, storageCounts?: StorageCounter): Promise<number> {
  const expired: ExpiredVariant[] = [];
  let deleted = 0;
  for await (const object of storage.list(VARIANTS_PREFIX)) {
    if (object.lastModified.getTime() >= olderThan.getTime()) continue;
    await storage.delete(object.key);
    deleted += 1;
    const imageId = imageOfVariantKey(object.key);
    if (imageId !== undefined) expired.push({ imageId, bytes: object.size, lastModified: object.lastModified });
  }
  await storageCounts?.variantsExpired(expired);
  return deleted;
}

/**
 * The file backend's variant lifecycle (VARIANT_TTL_DAYS): a sweep an hour, on an unref'd timer
 * so it never keeps the process alive. S3 buckets use a lifecycle rule on `variants/` instead.
 */
export function startVariantSweeper(
  storage: ObjectStorage,
  options: { ttlDays: number; logger: Logger; storageCounts?: StorageCounter },
): { stop(): void } {
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    void sweepVariants(storage, new Date(Date.now() - options.ttlDays * dayMs), options.storageCounts)
      .then(
        (deleted) => {
          if (deleted > 0) options.logger.info('expired variants deleted', { deleted, ttlDays: options.ttlDays });
        },
        (error: unknown) => options.logger.warn('variant sweep failed', { error: String(error) }),
      )
      .finally(() => {
        running = false;
      });
  };
  const first = setTimeout(sweep, firstSweepAfterMs);
  const timer = setInterval(sweep, sweepEveryMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
