/**
 * Fleet-wide single flight (issue 18) with real processes: two origins on one PostgreSQL, Redis and
 * S3 protocol server (s3rver). 100 identical cold requests spread over both are one render in the
 * fleet, every answer 200 and byte-identical; with the holder SIGKILLed mid-render, the other
 * origin takes the claim over once its lease lapses and all of its requests still get 200.
 */
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnOrigin, type SpawnedOrigin } from './helpers/origin.ts';
import { testSchema } from './helpers/postgres.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl, waitForFlightClaim } from './helpers/redis.ts';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.ts';

const schema = testSchema('pf_fleet', 'fleet single flight');

const ready = (await redisReachable('fleet single flight')) && (await schema.create());

describe.skipIf(!ready)('fleet-wide single flight over two origins', () => {
  const prefix = randomQueuePrefix();
  let s3: S3rverHandle;
  let env: Record<string, string>;
  let a: SpawnedOrigin;
  let b: SpawnedOrigin;
  let id: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    await s3.createBucket('fleet');
    env = {
      DATABASE_URL: schema.url(),
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: 's3://fleet/images',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    };
    // One after the other: the first runs the migrations.
    a = await spawnOrigin(env);
    b = await spawnOrigin(env);
    // Noise, so that an AVIF encode takes a good part of a second.
    const jpeg = await sharp(randomBytes(1600 * 1200 * 3), { raw: { width: 1600, height: 1200, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const upload = await fetch(`${a.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg });
    expect(upload.status).toBe(201);
    ({ id } = (await upload.json()) as { id: string });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    await s3?.stop();
    await dropQueuePrefix(prefix);
    await schema.drop();
  });

  it('renders 100 identical cold requests once in the fleet, all 200 and byte-identical', async () => {
    const path = `/img/${id}/w_1200,f_avif`;
    const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => fetch(`${(index % 2 === 0 ? a : b).url}${path}`)));
    const bodies = await Promise.all(
      answers.map(async (response) => ({
        status: response.status,
        source: response.headers.get('x-variant-source'),
        hash: digest(Buffer.from(await response.arrayBuffer())),
      })),
    );
    expect(bodies.map((body) => body.status)).toEqual(Array(100).fill(200));
    expect(new Set(bodies.map((body) => body.hash)).size).toBe(1);
    // Within one process the requests share one lookup: the leader's 50 carry `render`, the other's 50 `storage`.
    expect(bodies.filter((body) => body.source === 'storage')).toHaveLength(50);
    expect((await renders(a)) + (await renders(b))).toBe(1);
    const outcomes = [await flightOutcomes(a), await flightOutcomes(b)];
    expect(outcomes.map((seen) => seen['leader'] ?? 0).reduce((x, y) => x + y)).toBe(1);
    expect(outcomes.map((seen) => seen['follower'] ?? 0).reduce((x, y) => x + y)).toBe(1);
  }, 60_000);

  it('still answers every request when the holder is killed mid-render: another origin takes over', async () => {
    const path = `/img/${id}/w_1100,f_avif`;
    const before = await renders(b);
    void fetch(`${a.url}${path}`).catch(() => undefined); // a claims it, then dies
    await waitForFlightClaim(prefix);
    const waiting = Promise.all(Array.from({ length: 50 }, () => fetch(`${b.url}${path}`)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await a.stop('SIGKILL');
    const answers = await waiting;
    expect(answers.map((response) => response.status)).toEqual(Array(50).fill(200));
    const hashes = new Set(await Promise.all(answers.map(async (response) => digest(Buffer.from(await response.arrayBuffer())))));
    expect(hashes.size).toBe(1);
    expect((await renders(b)) - before).toBe(1);
    expect((await flightOutcomes(b))['takeover']).toBe(1);
  }, 60_000);
});

function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function metrics(origin: SpawnedOrigin): Promise<string> {
  return (await fetch(`${origin.url}/metrics`)).text();
}

async function renders(origin: SpawnedOrigin): Promise<number> {
  const text = await metrics(origin);
  return [...text.matchAll(/^pixelfront_renders_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function flightOutcomes(origin: SpawnedOrigin): Promise<Record<string, number>> {
  const text = await metrics(origin);
  return Object.fromEntries(
    [...text.matchAll(/^pixelfront_single_flight_total\{outcome="(\w+)"\} (\d+)/gm)].map((match) => [match[1], Number(match[2])]),
  );
}
