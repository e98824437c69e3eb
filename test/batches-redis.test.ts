import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from './helpers/redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { createLogger } from '../origin/logger.ts';
import { testConfig } from './helpers/config.ts';
import { startWorker, type RunningWorker } from '../worker-pool/worker.ts';
import { archive, createBatch, fixture, progress, startRedisOrigin, upload, uploadMany, waitForBatch } from './helpers/batches.ts';

const available = await redisReachable('batches on BullMQ');

// The waits inside the tests, and test timeouts above their sums, so a wait that runs out fails
// with its own message instead of vitest's bare timeout.
const firstVariantsMs = 60_000;
const batchMs = 120_000;

describe.skipIf(!available)('batches on BullMQ workers', () => {
  let dataDir: string;
  let prefix: string;
  let origin: TestOrigin;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-redis-batches-'));
    prefix = randomQueuePrefix();
    origin = await startRedisOrigin(dataDir, prefix);
  });
  afterAll(async () => {
    await origin.close();
    await dropQueuePrefix(prefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'makes 10 images × 3 presets on a worker, with rising progress, 30 archive entries and metrics',
    { timeout: batchMs + 60_000 },
    async () => {
      let worker: RunningWorker | undefined;
      try {
        const images = await uploadMany(origin.url, 10);
        const created = await createBatch(origin.url, { presets: ['thumb', 'card', 'og'], images: images.map((image) => image.id) });
        expect(created.status, JSON.stringify(created.body)).toBe(202);
        expect(created.body).toMatchObject({ state: 'queued', total: 30 });
        const id = String(created.body['id']);
        const queued = await progress(origin.url, id);
        expect(queued).toMatchObject({ state: 'queued', done: 0 });

        worker = await startWorker(
          testConfig({ DATA_DIR: dataDir, REDIS_URL: testRedisUrl, QUEUE_PREFIX: prefix, WORKER_METRICS_PORT: '0' }),
          createLogger('silent'),
        );
        const history: Awaited<ReturnType<typeof progress>>[] = [];
        const finished = await waitForBatch(() => origin.url, id, { history, timeoutMs: batchMs });
        expect(finished).toMatchObject({ state: 'completed', total: 30, done: 30, failed: 0 });
        expect(history.length).toBeGreaterThan(1);

        const entries = await archive(origin.url, id);
        expect(entries.size).toBe(30);
        for (const [name, data] of entries) {
          const meta = await sharp(data).metadata();
          expect(name.endsWith(`.${meta.format === 'jpeg' ? 'jpg' : meta.format}`), name).toBe(true);
        }
        // The worker rendered; the origin finds the variant in storage.
        const served = await fetch(`${origin.url}/img/${images[3]?.id}/t_og`);
        expect(served.status).toBe(200);
        expect(served.headers.get('x-variant-source')).toBe('storage');

        const metrics = await (await fetch(worker.metricsUrl)).text();
        expect(metrics).toMatch(/pixelfront_worker_jobs_total\{outcome="done"\} 30\b/);
        expect(metrics).toMatch(/pixelfront_queue_depth 0\b/);
        expect(metrics).toMatch(/pixelfront_worker_job_seconds_count\{outcome="done"\} 30\b/);
      } finally {
        await worker?.close();
      }
    },
  );

  it(
    'finishes a batch after a worker is killed with SIGKILL mid-batch, with every variant whole',
    { timeout: firstVariantsMs + batchMs + 90_000 },
    async () => {
      // Small renders: the test is about the kill, not about render speed on a shared host.
      const images = await uploadMany(origin.url, 10, { size: [800, 600] });
      const transforms = ['w_600,f_avif', 'w_450,f_webp', 'c_fill,w_250,h_250,f_avif'];
      const created = await createBatch(origin.url, { transforms, images: images.map((image) => image.id) });
      expect(created.body).toMatchObject({ total: 30 });
      const id = String(created.body['id']);
      const env = { DATA_DIR: dataDir, REDIS_URL: testRedisUrl, QUEUE_PREFIX: prefix, WORKER_LOCK_MS: '2000', WORKER_CONCURRENCY: '2' };

      const first = await spawnWorker(env);
      const partial = await waitFor(
        async () => {
          const current = await progress(origin.url, id);
          return current.done >= 3 ? current : undefined;
        },
        firstVariantsMs,
        'the first variants',
      );
      await first.stop('SIGKILL');
      const afterKill = await progress(origin.url, id);
      expect(afterKill.done, 'killed mid-batch').toBeLessThan(30);
      expect(afterKill.done).toBeGreaterThanOrEqual(partial.done);

      const second = await spawnWorker(env);
      try {
        const finished = await waitForBatch(() => origin.url, id, { timeoutMs: batchMs });
        expect(finished, second.output()).toMatchObject({ state: 'completed', done: 30, failed: 0 });
      } finally {
        // SIGTERM lets running jobs finish and exits cleanly.
        expect(await second.stop('SIGTERM')).toBe(0);
      }

      const entries = await archive(origin.url, id);
      expect(entries.size).toBe(30);
      for (const [name, data] of entries) {
        // A whole object decodes to its last pixel; a torn write would not.
        const { info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
        expect(info.width, name).toBeGreaterThan(0);
      }
    },
  );
});

describe('with REDIS_URL set but Redis down', () => {
  let origin: TestOrigin;

  beforeAll(async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
      });
    });
    origin = await startTestOrigin({ REDIS_URL: `redis://127.0.0.1:${port}`, QUEUE_PREFIX: randomQueuePrefix() });
  });
  afterAll(() => origin.destroy());

  it('keeps uploads and deliveries working and answers POST /v1/batches with 503 unavailable', async () => {
    const image = await upload(origin.url, await fixture(7, 300, 200), { eager: 'thumb' });
    const started = Date.now();
    const variant = await fetch(`${origin.url}/img/${image.id}/w_100`);
    expect(variant.status).toBe(200);
    expect((await sharp(Buffer.from(await variant.arrayBuffer())).metadata()).width).toBe(100);
    const batch = await createBatch(origin.url, { presets: ['thumb'] });
    expect([batch.status, batch.body['code']]).toEqual([503, 'unavailable']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
