import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { adapterErrorHandler, answerClientError } from './http/adapter-errors.ts';
import { refuseDotSegments } from './http/dot-segments.ts';
import { continueWhenBodyIsRead } from './http/expect-continue.ts';
import { assignRequestIds } from './http/request-id.ts';
import { logAccess } from './http/access-log.ts';
import { listen } from './http/listen.ts';
import { createLogger, type Logger } from './logger.ts';
import { createServices, type Services } from './services.ts';
import { configureSharp } from './transform/configure-sharp.ts';
import { startSweepers } from './sweepers.ts';

export interface RunningOrigin {
  url: string;
  services: Services;
  /** Stops accepting connections, lets in-flight requests finish, then closes the backends. */
  close(): Promise<void>;
}

export async function startOrigin(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningOrigin> {
  if (!config.apiKeys) logger.warn('API_KEYS is not set: open mode, every client is the tenant "default"');
  configureSharp();
  const services = await createServices(config, logger);
  const app = createApp(services);
  const sweepers = await startSweepers(services);
  // getRequestListener rather than serve(): only it takes the error handler for requests the
  // adapter refuses, so those answer with a problem like every other error.
  const listener = getRequestListener(app.fetch, { hostname: config.host, errorHandler: adapterErrorHandler(logger) });
  // The listener answers its own errors; should that fail too, the connection is dropped and
  // logged instead of leaving an unhandled rejection, which would end the process.
  const respond = refuseDotSegments((request, response) => {
    listener(request, response).catch((error: unknown) => {
      logger.error('unexpected error in the request listener', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      response.destroy();
    });
  });
  const handle = assignRequestIds(config.logAccess ? logAccess(logger, respond) : respond);
  const server = createServer(handle);
  server.on('checkContinue', continueWhenBodyIsRead(handle));
  server.on('clientError', answerClientError);
  let url: string;
  try {
    url = await listen(server, config.port, config.host);
  } catch (error) {
    await sweepers.stop();
    await services.close();
    throw error;
  }
  // Long uploads must not be cut off by Node's default 5-minute request timeout.
  server.requestTimeout = 0;
  let closing: Promise<void> | undefined;
  return {
    url,
    services,
    close() {
      closing ??= (async () => {
        await sweepers.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await services.close();
      })();
      return closing;
    },
  };
}
