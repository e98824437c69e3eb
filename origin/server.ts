import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createServices, type Services } from './services.ts';
import { configureSharp } from './transform/configure-sharp.ts';
import { startUploadSweeper } from './uploads/sweeper.ts';

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
  const uploadSweeper = startUploadSweeper(services);
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(started as Server));
  });
  // Long uploads must not be cut off by Node's default 5-minute request timeout.
  server.requestTimeout = 0;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    services,
    close() {
      closing ??= (async () => {
        uploadSweeper.stop();
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
