import { runInLogScope } from '../log-scope.ts';
import type { Logger } from '../logger.ts';
import type { JobOutcome, VariantJob } from './types.ts';

/**
 * One attempt of a variant job inside its log scope, so every line written meanwhile (a storage
 * warning deep in VariantService) carries `jobId` and `batchId`, followed by its `job` line
 * (`lines`, from LOG_ACCESS), the job's counterpart of a request's access line.
 */
export function runJobAttempt(
  log: { logger: Logger; lines: boolean },
  entry: { id: string; job: VariantJob; attempt: number },
  run: () => Promise<JobOutcome>,
): Promise<JobOutcome> {
  const { id, job, attempt } = entry;
  const scope = job.batchId === undefined ? { jobId: id } : { jobId: id, batchId: job.batchId };
  return runInLogScope(scope, async () => {
    const started = performance.now();
    const line = (outcome: JobOutcome | 'retry', error?: string) => {
      if (!log.lines) return;
      log.logger.info('job', {
        outcome,
        attempt,
        imageId: job.imageId,
        ops: job.canonical,
        format: job.format,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(error === undefined ? {} : { error }),
      });
    };
    try {
      const outcome = await run();
      line(outcome);
      return outcome;
    } catch (error) {
      line('retry', error instanceof Error ? error.message : String(error));
      throw error;
    }
  });
}
