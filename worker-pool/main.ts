import { runProcess } from '../origin/run-process.ts';
import { startWorker } from './worker.ts';

/** `npm run worker`: one worker-pool process; run as many as the queue depth calls for. */
runProcess(
  'worker',
  async (config, logger) => {
    const worker = await startWorker(config, logger);
    logger.info(
      `pixelfront worker consuming "${config.queuePrefix}" with concurrency ${config.workerConcurrency}; metrics on ${worker.metricsUrl}`,
      {
        metrics: worker.metricsUrl,
      },
    );
    return worker;
  },
  'finishing running jobs',
);
