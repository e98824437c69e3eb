import { startPeriodic, type PeriodicTask } from '../periodic-task.ts';
import type { Logger } from '../logger.ts';
import { FINISHED_RETENTION_MS } from './limits.ts';
import { UploadService, type UploadDeps, type UploadServiceOptions } from './upload-service.ts';

/**
 * Aborts uploads not completed by their `expiresAt` and frees their parts (SPEC: default 24 h),
 * and forgets finished upload records a week after expiry. One sweep per call; the server runs
 * it on an unref'd timer so it never keeps the process alive. Safe on several replicas: an upload
 * is aborted by a conditional update, so only one of them frees it.
 */
export async function sweepExpiredUploads(services: UploadDeps, options: UploadServiceOptions = {}): Promise<number> {
  return new UploadService(services, options).sweep(FINISHED_RETENTION_MS);
}

export function startUploadSweeper(services: UploadDeps & { logger: Logger }, intervalMs = 10 * 60 * 1000): PeriodicTask {
  const sweep = async () => {
    const aborted = await sweepExpiredUploads(services);
    if (aborted > 0) services.logger.info('aborted expired uploads', { aborted });
  };
  return startPeriodic('upload sweep', sweep, intervalMs, services.logger);
}
