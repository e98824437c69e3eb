/**
 * End to end on loopback: the real origin (`node --import tsx origin/main.ts`, embedded
 * storage in a temp DATA_DIR) behind the real edge Worker (wrangler's unstable_startWorker, i.e.
 * the bundled edge/index.ts in workerd with ORIGIN_URL pointing at that origin).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { decodeJxl, isJxl } from './helpers/jxl.ts';
import { accessLinesOf, repoRoot, spawnOrigin, type SpawnedOrigin } from './helpers/origin.ts';
import { waitFor } from './helpers/wait-for.ts';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

describe('edge Worker in front of the real origin', () => {
  let dataDir: string;
  let origin: SpawnedOrigin | undefined;
  let worker: Worker | undefined;
  let edge: string;

  beforeAll(async () => {
    process.env.WRANGLER_SEND_METRICS = 'false';
    process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-edge-e2e-'));
    origin = await spawnOrigin({ HOST: '127.0.0.1', DATA_DIR: dataDir });
    worker = await unstable_startWorker({
      config: join(repoRoot, 'wrangler.toml'),
      bindings: { ORIGIN_URL: { type: 'plain_text', value: origin.url } },
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

  it('uploads through the edge, then renders, caches and negotiates a transform through both', async () => {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a6fdb' } })
      .png()
      .toBuffer();
    const upload = await fetch(`${edge}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };

    const miss = await fetch(`${edge}/img/${id}/w_100`);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-edge-cache')).toBe('miss');
    expect(miss.headers.get('cache-tag')).toBe(`img-${id}`);
    expect(miss.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missMeta = await sharp(Buffer.from(await miss.arrayBuffer())).metadata();
    expect([missMeta.format, missMeta.width, missMeta.height]).toEqual(['png', 100, 75]);

    const hit = await fetch(`${edge}/img/${id}/w_0100/blue.png`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-edge-cache')).toBe('hit');
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    const hitMeta = await sharp(Buffer.from(await hit.arrayBuffer())).metadata();
    expect([hitMeta.width, hitMeta.height]).toEqual([100, 75]);

    const notModified = await fetch(`${edge}/img/${id}/w_100`, { headers: { 'if-none-match': miss.headers.get('etag') ?? '' } });
    expect(notModified.status).toBe(304);

    const formats: Record<string, string> = {};
    const chromium = 'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
    for (const accept of [chromium, 'image/avif,image/webp,*/*', 'image/webp,*/*', 'image/png,*/*']) {
      const response = await fetch(`${edge}/img/${id}/w_100,f_auto`, { headers: { accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get('vary')).toBe('Accept');
      const body = Buffer.from(await response.arrayBuffer());
      // sharp reads no JPEG XL: that answer is decoded back with libjxl.
      formats[accept] = isJxl(body) ? `jxl ${(await decodeJxl(body)).width}` : ((await sharp(body).metadata()).format ?? '');
    }
    // sharp reports AVIF as heif.
    expect(formats).toEqual({
      [chromium]: 'jxl 100',
      'image/avif,image/webp,*/*': 'heif',
      'image/webp,*/*': 'webp',
      'image/png,*/*': 'png',
    });

    const invalid = await fetch(`${edge}/img/${id}/w_abc`);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { code: string }).code).toBe('invalid_transform');

    const unknown = await fetch(`${edge}/img/NoSuchImage123/w_100`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('not_found');
  });

  it('carries one request id from the client through the edge to the origin and back', async () => {
    const api = await fetch(`${edge}/v1/images/NoSuchImage123`, { headers: { 'x-request-id': 'e2e-trace-api' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('x-request-id')).toBe('e2e-trace-api');
    // The origin wrote this problem: its instance proves the edge forwarded the id.
    expect(await api.json()).toMatchObject({ code: 'not_found', instance: 'urn:request:e2e-trace-api' });

    const image = await fetch(`${edge}/img/NoSuchImage456/w_10`, { headers: { 'x-request-id': 'e2e-trace-img' } });
    expect(image.status).toBe(404);
    expect(image.headers.get('x-request-id')).toBe('e2e-trace-img');
    expect(await image.json()).toMatchObject({ code: 'not_found', instance: 'urn:request:e2e-trace-img' });

    const replaced = await fetch(`${edge}/v1/images/NoSuchImage123`, { headers: { 'x-request-id': 'no spaces allowed' } });
    const id = replaced.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await replaced.json()).toMatchObject({ instance: `urn:request:${id}` });

    // …and the origin's access lines (JSON on its stdout) carry the same ids.
    const accessLines = () => accessLinesOf(origin?.output() ?? '');
    const logged = await waitFor(() => {
      const found = accessLines().filter((line) => ['e2e-trace-api', 'e2e-trace-img', id].includes(String(line['requestId'])));
      return found.length >= 3 ? found : undefined;
    }, 10_000);
    expect(logged.map(({ requestId, route, status }) => ({ requestId, route, status }))).toEqual([
      { requestId: 'e2e-trace-api', route: '/v1/images/:id', status: 404 },
      { requestId: 'e2e-trace-img', route: '/img/:id/:ops', status: 404 },
      { requestId: id, route: '/v1/images/:id', status: 404 },
    ]);
  });

  it('passes client hints to the origin on a miss and keys w_auto by the rounded width (issue 19)', async () => {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#d92' } })
      .png()
      .toBuffer();
    const upload = await fetch(`${edge}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    const { id } = (await upload.json()) as { id: string };
    const widthOf = async (response: Response) => (await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width;

    const miss = await fetch(`${edge}/img/${id}/w_auto`, { headers: { 'sec-ch-width': '333' } });
    expect([miss.status, miss.headers.get('x-edge-cache'), miss.headers.get('vary')]).toEqual([200, 'miss', 'Sec-CH-Width, Width']);
    expect(await widthOf(miss)).toBe(400);
    const hit = await fetch(`${edge}/img/${id}/w_auto`, { headers: { width: '390' } });
    expect(hit.headers.get('x-edge-cache')).toBe('hit');
    expect(await widthOf(hit)).toBe(400);
    // Past the source: the origin caps it at the source's 640.
    expect(await widthOf(await fetch(`${edge}/img/${id}/w_auto`, { headers: { 'sec-ch-width': '2000' } }))).toBe(640);
    const doubled = await fetch(`${edge}/img/${id}/w_100,dpr_auto`, { headers: { 'sec-ch-dpr': '2' } });
    expect(doubled.headers.get('vary')).toBe('Sec-CH-DPR, DPR');
    expect(await widthOf(doubled)).toBe(200);
  });

  it('passes the console through: / redirects, the page keeps its CSP and cache headers', async () => {
    const root = await fetch(`${edge}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const page = await fetch(`${edge}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${edge}${script ?? ''}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });
});
