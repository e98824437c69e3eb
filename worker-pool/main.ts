import { ConfigError, loadConfig } from '../origin/config.ts';
import { createLogger } from '../origin/logger.ts';
import { startWorker } from './worker.ts';

/** `npm run worker`: one worker-pool process; run as many as the queue depth calls for. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config: ${problem}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const worker = await startWorker(config, logger);
  logger.info(`pixelfront worker consuming "${config.queuePrefix}" with concurrency ${config.workerConcurrency}; metrics on ${worker.metricsUrl}`, {
    metrics: worker.metricsUrl,
  });

  const shutdown = (signal: string) => {
    logger.info('shutting down: finishing running jobs', { signal });
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`pixelfront worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
