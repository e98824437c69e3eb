/**
 * One or many: the same results (issue 18). The scripted scenario of test/helpers/parity-scenario.ts
 * runs once against one `ROLES=all` origin on embedded defaults (file storage, SQLite, in-process
 * queue) and once against the scaled set: the edge Worker in workerd routing by role to two
 * `delivery`, one `upload`, one `multipart` and one `api` origin, with two worker-pool processes,
 * all on PostgreSQL, Redis and s3rver. Both must give the same image objects (but ids and
 * timestamps), byte-identical variants and archive entries, and the same stats.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { makeFixtures, runScenario, type Fixtures, type ScenarioResult } from './helpers/parity-scenario.ts';
import { repoRoot, spawnOrigin, spawnWorker, type SpawnedOrigin, type SpawnedProcess } from './helpers/origin.ts';
import { testSchema } from './helpers/postgres.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from './helpers/redis.ts';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.ts';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

const minutes = 60_000;
const schema = testSchema('pf_parity', 'one or many');
const ready = (await redisReachable('one or many')) && (await schema.create());

describe.skipIf(!ready)('one or many: the same results', () => {
  const prefix = randomQueuePrefix();
  let fixtures: Fixtures;
  let dataDir: string;
  let s3: S3rverHandle | undefined;
  let single: SpawnedOrigin | undefined;
  const origins: Record<string, SpawnedOrigin> = {};
  const workers: SpawnedProcess[] = [];
  let edge: Worker | undefined;

  beforeAll(async () => {
    process.env['WRANGLER_SEND_METRICS'] = 'false';
    process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';
    fixtures = await makeFixtures();
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-parity-'));
    single = await spawnOrigin({ DATA_DIR: dataDir });

    s3 = await startS3rver();
    await s3.createBucket('parity');
    const shared = {
      DATABASE_URL: schema.url(),
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: 's3://parity/images',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      // Replicas other than the one answering /v1/stats flush their counts on this interval.
      STATS_FLUSH_MS: '100',
    };
    // The first start runs the migrations; the others may then start together.
    origins['api'] = await spawnOrigin({ ...shared, ROLES: 'api' });
    const replicas = { upload: 'upload', multipart: 'multipart', delivery1: 'delivery', delivery2: 'delivery' };
    await Promise.all(
      Object.entries(replicas).map(async ([name, role]) => {
        origins[name] = await spawnOrigin({ ...shared, ROLES: role });
      }),
    );
    workers.push(...(await Promise.all([spawnWorker(shared), spawnWorker(shared)])));

    const url = (name: string) => origins[name]?.url ?? '';
    const text = (value: string) => ({ type: 'plain_text' as const, value });
    edge = await unstable_startWorker({
      config: join(repoRoot, 'wrangler.toml'),
      bindings: {
        ORIGIN_URL: text(url('api')),
        ORIGIN_URL_API: text(url('api')),
        ORIGIN_URL_UPLOAD: text(url('upload')),
        ORIGIN_URL_MULTIPART: text(url('multipart')),
        ORIGIN_URL_DELIVERY: text(`${url('delivery1')},${url('delivery2')}`),
      },
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'warn' },
    });
    await edge.ready;
  }, 4 * minutes);

  afterAll(async () => {
    await edge?.dispose();
    const processes = [...(single ? [single] : []), ...Object.values(origins), ...workers];
    await Promise.allSettled(processes.map((process) => process.stop('SIGTERM')));
    await s3?.stop();
    await dropQueuePrefix(prefix);
    await schema.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'gives the same image objects, byte-identical variants and the same stats from one process and from the scaled set',
    async () => {
      const one = await runScenario(single?.url ?? '', fixtures);
      assertMeaningful(one);
      const edgeUrl = (await edge?.url)?.origin ?? '';
      const many = await runScenario(edgeUrl, fixtures, (stats) => isDeepStrictEqual(stats, one.stats));

      // Step by step first, so a difference names the step.
      for (const [index, step] of one.steps.entries()) expect(many.steps[index], step.step).toEqual(step);
      expect(many.steps).toHaveLength(one.steps.length);
      expect(many.stats).toEqual(one.stats);

      // And the scaled set really was many: each role's origin and both delivery replicas served
      // their part, the workers rendered the batch, and nothing was misdirected.
      const served = async (name: string) => requests(await metricsOf(origins[name]?.url ?? ''));
      const [upload, multipart, api, delivery1, delivery2] = await Promise.all(
        ['upload', 'multipart', 'api', 'delivery1', 'delivery2'].map(served),
      );
      expect((upload?.['/v1/images 201'] ?? 0) + (upload?.['/v1/images 200'] ?? 0)).toBe(4); // a, b, a again, the form
      expect(Object.keys(multipart ?? {}).some((route) => route.includes('/v1/uploads'))).toBe(true);
      expect(api?.['/v1/batches 202']).toBe(1);
      for (const delivery of [delivery1, delivery2]) {
        expect(Object.entries(delivery ?? {}).filter(([route]) => route.includes('/img')).length).toBeGreaterThan(0);
      }
      for (const counts of [upload, multipart, api, delivery1, delivery2]) {
        expect(Object.keys(counts ?? {}).filter((route) => route.endsWith(' 421'))).toEqual([]);
      }
      const jobs = await Promise.all(workers.map(async (worker) => workerJobsDone(await metricsOf(metricsUrlOf(worker)))));
      expect(jobs.reduce((sum, done) => sum + done, 0)).toBe(batchTotal(one));
    },
    6 * minutes,
  );
});

/** The scenario did what it says in the one-process run (so that equal results mean something). */
function assertMeaningful(result: ScenarioResult): void {
  const status = (step: string) => result.steps.find((entry) => entry.step === step)?.status;
  expect(status('upload a')).toBe(201);
  expect(status('upload a again')).toBe(200);
  expect(status('multipart complete')).toBe(201);
  expect(status('delete c')).toBe(204);
  const variants = result.steps.filter((entry) => entry.step.startsWith('GET /img/<image:') && !entry.step.endsWith('/w_64'));
  expect(variants.length).toBeGreaterThanOrEqual(10);
  for (const variant of variants) expect(variant.status, variant.step).toBe(200);
  expect(result.steps.find((entry) => entry.step === 'batch finished')?.body).toMatchObject({ state: 'completed', failed: 0 });
  const totals = (result.stats as { totals: Record<string, { count: number }> }).totals;
  expect(totals['uploads']?.count).toBe(4);
  expect(totals['renders']?.count).toBeGreaterThan(0);
  expect(totals['deliveries']?.count).toBe(variants.length);
}

function batchTotal(result: ScenarioResult): number {
  return Number((result.steps.find((entry) => entry.step === 'batch finished')?.body as { total?: number } | undefined)?.total);
}

async function metricsOf(url: string): Promise<string> {
  return (await fetch(url.endsWith('/metrics') ? url : `${url}/metrics`)).text();
}

/** `pixelfront_http_requests_total` as `"<route> <status>"` → count. */
function requests(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of metrics.matchAll(/^pixelfront_http_requests_total\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]));
    counts[`${labels['route'] ?? ''} ${labels['status'] ?? ''}`] = Number(match[2]);
  }
  return counts;
}

function metricsUrlOf(worker: SpawnedProcess): string {
  return /metrics on (http:\/\/[^\s"]+)/.exec(worker.output())?.[1] ?? '';
}

function workerJobsDone(metrics: string): number {
  return Number(/^pixelfront_worker_jobs_total\{outcome="done"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
}
