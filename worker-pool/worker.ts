import { createServer, type Server } from 'node:http';
import type { Config } from '../origin/config.ts';
import type { Logger } from '../origin/logger.ts';
import { startBullmqConsumer, type Consumer } from '../origin/queue/bullmq-queue.ts';
import { variantJobHandler } from '../origin/batches/variant-job.ts';
import { listen } from '../origin/http/listen.ts';
import { createServices, type Services } from '../origin/services.ts';
import { createWorkerMetrics } from './metrics.ts';

export interface RunningWorker {
  services: Services;
  consumer: Consumer;
  metricsUrl: string;
  /** Finishes the running jobs, then closes the metrics server and the backends. */
  close(): Promise<void>;
}

/**
 * A worker-pool process: consumes the BullMQ queue with the origin's own services (storage,
 * catalog, VariantService), so a variant made here is the very object a delivery would make.
 */
export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  const { redisUrl } = config;
  if (redisUrl === undefined)
    throw new Error('REDIS_URL is required: the worker pool consumes the BullMQ queue (without it the origin runs jobs in-process)');
  const services = await createServices(config, logger);
  const metrics = createWorkerMetrics(() => services.queue.depth());
  const consumer = startBullmqConsumer(
    {
      redisUrl,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      lockMs: config.workerLockMs,
      onOutcome: metrics.observe,
      jobLines: config.logAccess,
    },
    variantJobHandler(services, services.batches),
    logger,
  );
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${String(error)}\n`),
    );
  });
  let metricsUrl: string;
  try {
    metricsUrl = `${await listen(server, config.workerMetricsPort, config.host)}/metrics`;
  } catch (error) {
    // A taken metrics port must fail start-up cleanly, not leave a consumer running unobserved.
    await consumer.close();
    await services.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    services,
    consumer,
    metricsUrl,
    close() {
      closing ??= (async () => {
        await consumer.close();
        await closeServer(server);
        await services.close();
      })();
      return closing;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
