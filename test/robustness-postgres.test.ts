import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePhases, proxyFaults, runFaults, sleep, startLoad, type Sample } from './helpers/fault-load.ts';
import { spawnOrigin, uploadPng, type SpawnedOrigin } from './helpers/origin.ts';
import { testPostgresUrl, testSchema } from './helpers/postgres.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/**
 * The origin (a real process) on a PostgreSQL catalog reached through a TCP proxy that cuts every
 * connection or goes silent while clients keep asking (issue 14, items 1 and 2). The process must
 * stay up, answer 503 `unavailable` within its query and connection timeouts while the database
 * is gone, and answer 200 again within seconds of its return.
 */

const baseUrl = new URL(testPostgresUrl);
const schema = testSchema('pf_test', 'PostgreSQL fault tests');
const queryTimeoutMs = 1_000;
const connectTimeoutMs = 1_000;
/** A request may wait for a pool slot, a connection and a query, each bounded. */
const answerWithinMs = connectTimeoutMs + queryTimeoutMs + 1_000 + 1_500;
const recoverWithinMs = 5_000;

const available = await schema.create();

describe.runIf(available)('PostgreSQL cut and blackholed under load', () => {
  let proxy: TcpProxy;
  let origin: SpawnedOrigin;
  let dataDir: string;
  let imageId: string;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: baseUrl.hostname, port: Number(baseUrl.port || 5432) });
    const throughProxy = new URL(baseUrl);
    throughProxy.port = String(proxy.port);
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-pgfault-'));
    origin = await spawnOrigin({
      DATA_DIR: dataDir,
      DATABASE_URL: schema.url(throughProxy.toString()),
      DATABASE_QUERY_TIMEOUT_MS: String(queryTimeoutMs),
      DATABASE_CONNECT_TIMEOUT_MS: String(connectTimeoutMs),
    });
    imageId = await uploadPng(origin.url, '#3a7');
  });

  afterAll(async () => {
    await origin?.stop();
    await proxy?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await schema.drop();
  });

  it('stays up through cuts and a silent database, answers 503 meanwhile and recovers within seconds', { timeout: 60_000 }, async () => {
    // /img/:id/w_20 is a memory hit after its first answer, and still reads the image row first.
    const paths = [`/v1/images/${imageId}`, '/v1/images?limit=5', '/v1/stats', `/img/${imageId}`, `/img/${imageId}/w_20`, '/readyz'];
    const load = startLoad(
      origin.url,
      paths.map((path) => ({ path })),
      { clients: 8, giveUpMs: 15_000 },
    );
    const ok = (sample: Sample) => sample.status === 200;
    await sleep(500);
    const phases = await runFaults(load, proxyFaults(proxy), ok, recoverWithinMs + answerWithinMs);
    await load.stop();
    const report = describePhases(phases);
    console.log(`PostgreSQL faults (query timeout ${queryTimeoutMs} ms, connect timeout ${connectTimeoutMs} ms):\n${report}`);

    expect(origin.child.exitCode, origin.output()).toBeNull();
    expect(origin.output()).not.toMatch(/Unhandled|uncaught/i);
    // /readyz answers its own JSON (`status: unavailable`), every other path a problem.
    const wrong = load.samples.filter(
      (sample) => sample.status !== 200 && !(sample.status === 503 && (sample.code === 'unavailable' || sample.path === '/readyz')),
    );
    expect(wrong.slice(0, 5), report).toEqual([]);
    const slow = load.samples.filter((sample) => sample.ms > answerWithinMs);
    expect(slow.slice(0, 5), report).toEqual([]);
    for (const phase of phases) expect(phase.recovered, report).toBeLessThan(recoverWithinMs);
    // Every path answered 200 at the end, /v1/stats included.
    const last = load.samples.filter((sample) => sample.start > load.now() - 800);
    for (const path of paths)
      expect(
        last.some((sample) => sample.path === path && sample.status === 200),
        path,
      ).toBe(true);
  });
});
