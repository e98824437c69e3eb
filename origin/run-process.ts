import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';

export interface RunningProcess {
  close(): Promise<void>;
}

/**
 * The life of a pixelfront process (`npm start`, `npm run worker`): load the configuration
 * (one line per problem and exit 1 when it is bad), start, and on SIGTERM/SIGINT let the work
 * in flight finish before exiting 0.
 */
export function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<RunningProcess>, drainMessage: string): void {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config: ${problem}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  start(config, logger).then(
    (running) => {
      const shutdown = (signal: string) => {
        logger.info(`shutting down: ${drainMessage}`, { signal });
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error('shutdown failed', { error: String(error) });
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    },
    (error: unknown) => {
      console.error(`pixelfront ${name} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
