import type { Logger } from '../logger.ts';
import { VARIANTS_PREFIX } from './layout.ts';
import type { ObjectStorage } from './types.ts';

const dayMs = 86_400_000;
const sweepEveryMs = 3_600_000;
const firstSweepAfterMs = 60_000;

/** Deletes stored variants written before `olderThan`; returns how many. A deleted variant is rendered again on its next request. */
export async function sweepVariants(storage: ObjectStorage, olderThan: Date): Promise<number> {
  let deleted = 0;
  for await (const object of storage.list(VARIANTS_PREFIX)) {
    if (object.lastModified.getTime() >= olderThan.getTime()) continue;
    await storage.delete(object.key);
    deleted += 1;
  }
  return deleted;
}

/**
 * The file backend's variant lifecycle (VARIANT_TTL_DAYS): a sweep an hour, on an unref'd timer
 * so it never keeps the process alive. S3 buckets use a lifecycle rule on `variants/` instead.
 */
export function startVariantSweeper(storage: ObjectStorage, options: { ttlDays: number; logger: Logger }): { stop(): void } {
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    void sweepVariants(storage, new Date(Date.now() - options.ttlDays * dayMs))
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
