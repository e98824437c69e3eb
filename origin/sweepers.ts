import { startUploadSweeper } from './multipart/sweeper.ts';
import type { UploadDeps } from './multipart/upload-service.ts';
import type { Services } from './services.ts';
import { startVariantSweeper } from './storage/variant-sweeper.ts';
import { startScratchSweeper, type ScratchDeps } from './temp/sweeper.ts';

export interface Sweepers {
  /** Stops the timers and waits for a sweep in progress, so none runs on closed backends. */
  stop(): Promise<void>;
}

/**
 * The origin's periodic clean-ups, started in one place (server.ts, before it listens): expired
 * multipart uploads, scratch files a crash left (swept once at once), and on the file backend
 * variants older than VARIANT_TTL_DAYS (S3 buckets use a lifecycle rule on `variants/` instead).
 * Every timer is unref'd, and each sweep is safe on several replicas at once.
 */
export async function startSweepers(services: UploadDeps & ScratchDeps & Pick<Services, 'storageCounts'>): Promise<Sweepers> {
  const { config, logger, storage } = services;
  const uploads = startUploadSweeper(services);
  const scratch = await startScratchSweeper(services);
  const variants = config.storageUrl.startsWith('file://')
    ? startVariantSweeper(storage, { ttlDays: config.variantTtlDays, logger, storageCounts: services.storageCounts })
    : undefined;
  return {
    async stop() {
      variants?.stop();
      await Promise.all([uploads.stop(), scratch.stop()]);
    },
  };
}
