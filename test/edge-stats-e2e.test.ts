/**
 * The edge's hit and miss counters, end to end on loopback: the real origin (a child process)
 * behind the real Worker in workerd (wrangler's unstable_startWorker), sharing EDGE_STATS_SECRET.
 * What the Worker sends through waitUntil shows in the origin's GET /v1/stats and /v1/stats/top.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import type { StatsReport, TopReport } from '../origin/stats/api-schema.ts';
import { accessLinesOf, repoRoot, spawnOrigin, type SpawnedOrigin } from './helpers/origin.ts';
import { waitFor } from './helpers/wait-for.ts';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

const secret = 'edge-stats-secret-0001';
const auth = { authorization: 'Bearer key-acme-0001' };
/** Long enough that the hits below, made right after a send, wait for the next one. */
const flushMs = 3_000;

describe('edge statistics flushed to a running origin', () => {
  let dataDir: string;
  let origin: SpawnedOrigin | undefined;
  let worker: Worker | undefined;
  let edge: string;

  beforeAll(async () => {
    process.env.WRANGLER_SEND_METRICS = 'false';
    process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-edge-stats-'));
    origin = await spawnOrigin({ HOST: '127.0.0.1', DATA_DIR: dataDir, API_KEYS: 'acme:key-acme-0001', EDGE_STATS_SECRET: secret });
    worker = await unstable_startWorker({
      config: join(repoRoot, 'wrangler.toml'),
      bindings: {
        ORIGIN_URL: { type: 'plain_text', value: origin.url },
        EDGE_STATS_SECRET: { type: 'plain_text', value: secret },
        EDGE_STATS_FLUSH_MS: { type: 'plain_text', value: String(flushMs) },
      },
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'warn' },
    });
    await worker.ready;
    edge = (await worker.url).origin;
  }, 120_000);

  afterAll(async () => {
    await worker?.dispose();
    await origin?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const stats = async (query: string) => {
    const response = await fetch(`${origin?.url ?? ''}/v1/stats${query}`, { headers: auth });
    expect(response.status).toBe(200);
    return (await response.json()) as StatsReport;
  };
  const thumbRow = async () => (await stats('?groupBy=preset')).rows.find((row) => row.preset === 'thumb');

  it('counts hits and misses per preset, sends them at most every EDGE_STATS_FLUSH_MS, and the origin attributes them to the owner', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#2a6fdb' } })
      .png()
      .toBuffer();
    const upload = await fetch(`${origin?.url ?? ''}/v1/images`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/png' },
      body: png,
    });
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };

    // The first count of the isolate is due at once: the miss is sent beside its answer.
    const miss = await fetch(`${edge}/img/${id}/t_thumb`, { headers: { 'x-request-id': 'first-thumb' } });
    expect(miss.headers.get('x-edge-cache')).toBe('miss');
    const bytes = (await miss.arrayBuffer()).byteLength;
    const afterMiss = await waitFor(
      async () => {
        const row = await thumbRow();
        return row !== undefined && row.edge.misses === 1 ? row : undefined;
      },
      15_000,
      'the first send',
    );
    // The send went under the id of the request that made it: the origin's access line of the POST has it.
    const accessLines = () => accessLinesOf(origin?.output() ?? '');
    // Stored before its 202, so the POST's line may come a moment after the row shows.
    const firstThumb = await waitFor(
      () => {
        const found = accessLines().filter((line) => line['requestId'] === 'first-thumb');
        return found.length === 2 ? found : undefined;
      },
      5_000,
      'the access line of the send',
    );
    // In either order: the send starts as the answer does.
    expect(firstThumb).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', route: '/img/:id/:ops', status: 200 }),
        expect.objectContaining({ method: 'POST', route: '/v1/edge-stats', status: 202 }),
      ]),
    );
    // The origin served the miss itself, under the preset the edge forwarded.
    expect(afterMiss.deliveries).toEqual({ count: 1, bytes });
    expect(afterMiss.edge).toEqual({ hits: 0, misses: 1, hitRatio: 0 });

    for (let n = 0; n < 3; n += 1) {
      const hit = await fetch(`${edge}/img/${id}/t_thumb/harbour.png`);
      expect(hit.headers.get('x-edge-cache')).toBe('hit');
      expect((await hit.arrayBuffer()).byteLength).toBe(bytes);
    }
    // A HEAD and a 304 deliver nothing and are not counted.
    const head = await fetch(`${edge}/img/${id}/t_thumb`, { method: 'HEAD' });
    expect([head.status, head.headers.get('x-edge-cache')]).toEqual([200, 'hit']);
    const notModified = await fetch(`${edge}/img/${id}/t_thumb`, { headers: { 'if-none-match': miss.headers.get('etag') ?? '' } });
    expect(notModified.status).toBe(304);
    // Within flushMs of the last send: the hits wait in the isolate.
    expect((await thumbRow())?.edge.hits).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, flushMs + 200));
    const plain = await fetch(`${edge}/img/${id}/w_40`);
    expect(plain.headers.get('x-edge-cache')).toBe('miss');
    await plain.arrayBuffer();

    const thumb = await waitFor(
      async () => {
        const row = await thumbRow();
        return row !== undefined && row.edge.hits === 3 ? row : undefined;
      },
      15_000,
      'the second send',
    );
    expect(thumb.edge).toEqual({ hits: 3, misses: 1, hitRatio: 0.75 });
    // Deliveries: the origin's one plus the three the edge served from its cache.
    expect(thumb.deliveries).toEqual({ count: 4, bytes: 4 * bytes });
    const none = (await stats('?groupBy=preset')).rows.find((row) => row.preset === null);
    expect(none?.edge).toEqual({ hits: 0, misses: 1, hitRatio: 0 });

    const top = (await (await fetch(`${origin?.url ?? ''}/v1/stats/top`, { headers: auth })).json()) as TopReport;
    expect(top.items.map((item) => [item.id, item.deliveries.count])).toEqual([[id, 5]]);
  }, 90_000);

  it('refuses counters without the shared secret', async () => {
    const body = JSON.stringify({ counts: [] });
    for (const authorization of [undefined, 'Bearer wrong-secret-0000000', 'Bearer key-acme-0001']) {
      const response = await fetch(`${origin?.url ?? ''}/v1/edge-stats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body,
      });
      expect(response.status, authorization).toBe(401);
    }
  });
});
