import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startOrigin } from './server.ts';

/** `npm start`: the origin on embedded defaults unless the environment says otherwise. */
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
  const origin = await startOrigin(config, logger);
  logger.info(`pixelfront origin listening on ${origin.url}`, { url: origin.url });

  const shutdown = (signal: string) => {
    logger.info('shutting down: finishing in-flight requests', { signal });
    origin.close().then(
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
  console.error(`pixelfront origin failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
