import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../origin/logger.ts';
import type { StatsReport, StorageReport } from '../origin/stats/api-schema.ts';
import { startWorker } from '../worker-pool/worker.ts';
import { createBatch, startRedisOrigin, uploadMany, waitForBatch } from './helpers/batches.ts';
import { testConfig } from './helpers/config.ts';
import type { TestOrigin } from './helpers/origin.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from './helpers/redis.ts';

/**
 * Issue 16 for the worker pool (`npm run worker`, BullMQ): its job lines carry the batch and job
 * ids as the origin's in-process queue does, and what it renders shows in the origin's statistics
 * (renders under the batch's preset) and storage counters (the variants it wrote).
 */
type Line = Record<string, unknown>;

const available = await redisReachable('worker pool logs and statistics');
const KEY = 'acme-worker-key-0001';
const auth = { authorization: `Bearer ${KEY}` };

describe.skipIf(!available)('the worker pool', () => {
  let dataDir: string;
  let prefix: string;
  let origin: TestOrigin;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-worker-observability-'));
    prefix = randomQueuePrefix();
    origin = await startRedisOrigin(dataDir, prefix, { API_KEYS: `acme:${KEY}` });
  });
  afterAll(async () => {
    await origin?.close();
    await dropQueuePrefix(prefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs each job with its batch and job ids, and counts its renders and variants for the owner', { timeout: 120_000 }, async () => {
    const images = await uploadMany(origin.url, 2, { size: [320, 240], headers: auth });
    const created = await createBatch(origin.url, { presets: ['thumb'], images: images.map((image) => image.id) }, auth);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const batchId = String(created.body['id']);

    const lines: Line[] = [];
    // A long flush interval: the worker's counts reach the catalog when it closes.
    const env = { DATA_DIR: dataDir, REDIS_URL: testRedisUrl, QUEUE_PREFIX: prefix, WORKER_METRICS_PORT: '0', STATS_FLUSH_MS: '600000' };
    const worker = await startWorker(
      testConfig(env),
      createLogger('info', (line) => lines.push(JSON.parse(line) as Line)),
    );
    try {
      const finished = await waitForBatch(() => origin.url, batchId, { headers: auth, timeoutMs: 90_000 });
      expect(finished).toMatchObject({ state: 'completed', done: 2, failed: 0 });
    } finally {
      await worker.close();
    }

    const jobs = lines.filter((line) => line['msg'] === 'job');
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(job).toMatchObject({ batchId, outcome: 'done', attempt: 1 });
      expect(job['jobId']).toEqual(expect.any(String));
    }
    expect(new Set(jobs.map((job) => job['jobId'])).size).toBe(2);
    expect(jobs.map((job) => job['imageId']).sort()).toEqual(images.map((image) => image.id).sort());

    const stats = await fetch(`${origin.url}/v1/stats?groupBy=preset`, { headers: auth });
    const report = (await stats.json()) as StatsReport;
    expect(stats.status, JSON.stringify(report)).toBe(200);
    expect(report.rows.map((row) => [row.preset, row.uploads.count, row.renders.count, row.deliveries.count])).toEqual([
      [null, 2, 0, 0],
      ['thumb', 0, 2, 0],
    ]);
    const thumb = report.rows.find((row) => row.preset === 'thumb');
    expect(thumb?.renders.bytes).toBeGreaterThan(0);

    const storage = (await (await fetch(`${origin.url}/v1/stats/storage`, { headers: auth })).json()) as StorageReport;
    expect(storage.variants.objects).toBe(2);
    expect(storage.variants.bytes).toBe(thumb?.renders.bytes);
  });
});
