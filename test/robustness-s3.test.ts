import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePhases, proxyFaults, runFaults, sleep, startLoad, type Sample } from './helpers/fault-load.ts';
import { spawnOrigin, uploadPng, type SpawnedOrigin } from './helpers/origin.ts';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/**
 * The origin (a real process) on S3 (s3rver) reached through a TCP proxy that cuts every
 * connection or goes silent while clients keep asking (issue 14, items 1 and 2, for S3). The
 * process must stay up, answer 503 `unavailable` within its S3 timeouts (times the SDK's three
 * attempts) while storage is gone, and answer 200 again within seconds of its return. The
 * memory caches are off (MEMORY_CACHE_BYTES=0), so every original delivered is read from S3. A
 * second case cuts S3 while an original of megabytes streams; a third runs an origin with its
 * memory cache on, whose memory hits go on while S3 is cut or silent (docs/capacity.md, 99.99 %).
 */

const connectTimeoutMs = 1_000;
const idleTimeoutMs = 1_000;
/** The SDK's attempts, each bounded by the idle timeout, with its backoff between: seconds, not minutes. */
const answerWithinMs = 3 * idleTimeoutMs + 3_000;
const recoverWithinMs = 5_000;
/**
 * Longer silence than the shared matrix's 3 s: s3rver closes a keep-alive connection idle for
 * 5 s, which would end a hung request on its own soon after a short blackhole. Past that, only
 * the origin's own timeouts answer within `answerWithinMs`.
 */
const silenceMs = 8_000;

describe('S3 cut and blackholed under load', () => {
  let s3: S3rverHandle;
  let proxy: TcpProxy;
  let origin: SpawnedOrigin;
  let dataDir: string;
  let imageId: string;
  /** The origin's S3 settings, through the proxy. */
  let s3Env: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3rver();
    await s3.createBucket('faults');
    const { hostname, port } = new URL(s3.endpoint);
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-s3fault-'));
    s3Env = {
      STORAGE_URL: 's3://faults/images',
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      S3_CONNECT_TIMEOUT_MS: String(connectTimeoutMs),
      S3_REQUEST_TIMEOUT_MS: String(idleTimeoutMs),
    };
    origin = await spawnOrigin({ ...s3Env, DATA_DIR: dataDir, MEMORY_CACHE_BYTES: '0' });
    imageId = await uploadPng(origin.url, '#37a');
    // The variant exists in storage before the faults, so requesting it reads S3.
    expect((await fetch(`${origin.url}/img/${imageId}/w_20`)).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await origin?.stop();
    await proxy?.close();
    await s3?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stays up through cuts and a silent S3, answers 503 meanwhile and recovers within seconds', { timeout: 90_000 }, async () => {
    const paths = [`/img/${imageId}`, `/img/${imageId}/w_20`, `/v1/images/${imageId}`, '/readyz'];
    const load = startLoad(
      origin.url,
      paths.map((path) => ({ path })),
      { clients: 8, giveUpMs: 20_000 },
    );
    const ok = (sample: Sample) => sample.status === 200;
    await sleep(500);
    const faults = proxyFaults(proxy).map((fault) => (fault.name === 'blackhole' ? { ...fault, ms: silenceMs } : fault));
    const phases = await runFaults(load, faults, ok, recoverWithinMs + answerWithinMs);
    await load.stop();
    const report = describePhases(phases);
    console.log(
      `S3 faults (connect timeout ${connectTimeoutMs} ms, request idle timeout ${idleTimeoutMs} ms, ${silenceMs} ms blackhole):\n${report}`,
    );

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
    // The catalog (SQLite) does not depend on S3: image metadata answered 200 throughout.
    expect(load.samples.filter((sample) => sample.path === `/v1/images/${imageId}` && sample.status !== 200)).toEqual([]);
    const last = load.samples.filter((sample) => sample.start > load.now() - 800);
    for (const path of paths)
      expect(
        last.some((sample) => sample.path === path && sample.status === 200),
        path,
      ).toBe(true);
  });

  it('survives S3 dropping an original mid-stream, and serves it whole once S3 is back', { timeout: 60_000 }, async () => {
    // Uncompressed noise: megabytes, so the cut lands while the body streams.
    const png = await sharp({
      create: { width: 1500, height: 1500, channels: 3, background: '#888', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const upload = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };

    const response = await fetch(`${origin.url}/img/${id}`);
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    let received = (await reader?.read())?.value?.length ?? 0;
    proxy.cut();
    let failed = false;
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        received += chunk.value.length;
      }
    } catch {
      failed = true;
    }
    proxy.restore();
    // The client learns the body is incomplete (an error, or fewer bytes than the image).
    expect(failed || received < png.length, `received ${received} of ${png.length}`).toBe(true);

    const again = await fetch(`${origin.url}/img/${id}`);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(png)).toBe(true);
    expect(origin.child.exitCode, origin.output()).toBeNull();
    expect(origin.output()).not.toMatch(/Unhandled|uncaught/i);
  });

  it('answers its memory hits while S3 is cut or silent; new variants and uploads are 503', { timeout: 60_000 }, async () => {
    const cached = await spawnOrigin({ ...s3Env, DATA_DIR: join(dataDir, 'cached') });
    try {
      const id = await uploadPng(cached.url, '#a73');
      const warm = `/img/${id}/w_30`;
      expect((await fetch(`${cached.url}${warm}`)).status).toBe(200); // rendered, now in memory
      for (const fault of ['cut', 'blackhole'] as const) {
        proxy[fault]();
        try {
          const hit = await fetch(`${cached.url}${warm}`);
          expect(hit.status, fault).toBe(200);
          expect(hit.headers.get('x-variant-source'), fault).toBe('memory');
          // A new variant needs the original from S3.
          const cold = await fetch(`${cached.url}/img/${id}/w_${fault === 'cut' ? 31 : 32}`);
          expect(cold.status, fault).toBe(503);
          expect(((await cold.json()) as { code: string }).code).toBe('unavailable');
          // An upload is refused, not acknowledged and lost.
          const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: fault === 'cut' ? '#123' : '#321' } })
            .png()
            .toBuffer();
          const upload = await fetch(`${cached.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
          expect(upload.status, fault).toBe(503);
        } finally {
          proxy.restore();
        }
      }
    } finally {
      await cached.stop();
    }
  });
});
