import { startPeriodic, type PeriodicTask } from '../periodic-task.ts';
import type { Services } from '../services.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { removeStaleFiles } from './temp-files.ts';

/**
 * Removes the scratch files a crash left behind (issue 14: a kill -9 mid-upload used to leave
 * its `DATA_DIR/tmp/upload-*` for ever): upload temp files and, on the file backend, storage
 * writes that never reached their rename. Only files older than TEMP_MAX_AGE_MS and not in use
 * by this process go (temp-files.ts).
 */
/** What the scratch sweep reads: where uploads spool, the storage backend and TEMP_MAX_AGE_MS / TEMP_SWEEP_INTERVAL_MS. */
export type ScratchDeps = Pick<Services, 'config' | 'tempDir' | 'storage' | 'logger'>;

export async function sweepScratch(services: ScratchDeps): Promise<number> {
  const { maxAgeMs } = services.config.tempSweep;
  const uploads = await removeStaleFiles(services.tempDir, maxAgeMs);
  const storage = services.storage instanceof FileStorage ? await services.storage.removeStaleTempFiles(maxAgeMs) : 0;
  return uploads + storage;
}

/** Sweeps once before the server listens (what the last crash left), then every TEMP_SWEEP_INTERVAL_MS. */
export async function startScratchSweeper(services: ScratchDeps): Promise<PeriodicTask> {
  const sweep = async () => {
    const removed = await sweepScratch(services);
    if (removed > 0) services.logger.info('removed stale scratch files', { removed });
  };
  await sweep().catch((error: unknown) => services.logger.warn('scratch sweep failed; will retry', { error: String(error) }));
  return startPeriodic('scratch sweep', sweep, services.config.tempSweep.intervalMs, services.logger);
}
