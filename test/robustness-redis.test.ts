import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePhases, proxyFaults, runFaults, sleep, startLoad, type Sample } from './helpers/fault-load.ts';
import { spawnOrigin, uploadPng, type SpawnedOrigin } from './helpers/origin.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from './helpers/redis.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/**
 * The origin (a real process) with its batch queue and rate limit on a Redis reached through a TCP
 * proxy that cuts every connection or goes silent while clients keep asking (issue 14, items 1
 * and 2). The process must stay up; meanwhile `POST /v1/batches` answers 503 `unavailable` within
 * REDIS_COMMAND_TIMEOUT_MS and `/readyz` says `degraded`; both are back within seconds of Redis.
 * Cold deliveries go on throughout (docs/capacity.md: delivery keeps working without Redis): with
 * REDIS_URL each claims its variant fleet-wide in Redis first (issue 18), and renders here when
 * Redis cannot say.
 */

const commandTimeoutMs = 1_000;
/** A batch pings, then adds its jobs: two commands, each bounded. */
const answerWithinMs = 2 * commandTimeoutMs + 1_500;
const recoverWithinMs = 5_000;
const available = await redisReachable('Redis fault tests');

describe.runIf(available)('Redis cut and blackholed under load', () => {
  const prefix = randomQueuePrefix();
  let proxy: TcpProxy;
  let origin: SpawnedOrigin;
  let dataDir: string;
  let imageId: string;

  beforeAll(async () => {
    const target = new URL(testRedisUrl);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const url = new URL(target);
    url.port = String(proxy.port);
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-redisfault-'));
    origin = await spawnOrigin({
      DATA_DIR: dataDir,
      REDIS_URL: url.toString(),
      QUEUE_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '1000000',
      REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs),
    });
    imageId = await uploadPng(origin.url, '#a37');
  });

  afterAll(async () => {
    await origin?.stop();
    await proxy?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (available) await dropQueuePrefix(prefix);
  });

  it(
    'stays up through cuts and a silent Redis, answers 503 / degraded meanwhile and recovers within seconds',
    { timeout: 60_000 },
    async () => {
      const batch = () => ({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ transforms: ['w_10'], images: [imageId] }),
      });
      let width = 10;
      const requests = [
        { path: '/v1/batches', init: batch },
        { path: '/readyz' },
        { path: `/v1/images/${imageId}` },
        // A new variant each time: a cold render under the fleet-wide claim.
        { path: '/img/:id/w_N', url: () => `/img/${imageId}/w_${String((width += 1))}` },
      ];
      const load = startLoad(origin.url, requests, { clients: 6, giveUpMs: 15_000 });
      const ok = (sample: Sample) =>
        sample.path === '/v1/batches'
          ? sample.status === 202
          : sample.status === 200 && (sample.path !== '/readyz' || sample.state === 'ok');
      await sleep(500);
      const phases = await runFaults(load, proxyFaults(proxy), ok, recoverWithinMs + answerWithinMs);
      await load.stop();
      const report = describePhases(phases);
      console.log(`Redis faults (command timeout ${commandTimeoutMs} ms):\n${report}`);

      expect(origin.child.exitCode, origin.output()).toBeNull();
      expect(origin.output()).not.toMatch(/Unhandled|uncaught/i);
      // Without Redis a batch is 503 and readiness is degraded; images and the rate limit go on.
      const expected = (sample: Sample) =>
        ok(sample) ||
        (sample.path === '/v1/batches' && sample.status === 503 && sample.code === 'unavailable') ||
        (sample.path === '/readyz' && sample.status === 200 && sample.state === 'degraded');
      const wrong = load.samples.filter((sample) => !expected(sample));
      expect(wrong.slice(0, 5), report).toEqual([]);
      const slow = load.samples.filter((sample) => sample.ms > answerWithinMs);
      expect(slow.slice(0, 5), report).toEqual([]);
      for (const phase of phases) expect(phase.recovered, report).toBeLessThan(recoverWithinMs);
      // The claims went through Redis while it answered, and were rendered here while it did not.
      const outcomes = await (await fetch(`${origin.url}/metrics`)).text();
      const flights = (outcome: string) =>
        Number(new RegExp(`^pixelfront_single_flight_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(outcomes)?.[1] ?? 0);
      expect(flights('leader'), outcomes).toBeGreaterThan(0);
      expect(flights('local'), outcomes).toBeGreaterThan(0);
    },
  );
});
