import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../test/helpers/config.ts';
import { createLogger } from '../origin/logger.ts';
import { randomQueuePrefix, redisReachable, testRedisUrl } from '../test/helpers/redis.ts';
import { startWorker } from './worker.ts';

const reachable = await redisReachable('worker start-up');

describe.skipIf(!reachable)('worker start-up', () => {
  let dir: string;
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-worker-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('fails cleanly when its metrics port is taken, and starts when it is free', async () => {
    const env = { DATA_DIR: dir, REDIS_URL: testRedisUrl, QUEUE_PREFIX: randomQueuePrefix() };
    const logger = createLogger('silent');
    await expect(startWorker(testConfig({ ...env, WORKER_METRICS_PORT: String(port) }), logger)).rejects.toThrow(/EADDRINUSE/);
    // The failed start closed its backends: the same data folder opens again at once.
    const worker = await startWorker(testConfig({ ...env, WORKER_METRICS_PORT: '0' }), logger);
    try {
      expect((await fetch(worker.metricsUrl)).status).toBe(200);
    } finally {
      await worker.close();
    }
  });
});
