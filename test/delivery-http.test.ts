import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPath } from '../core/signing.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

async function upload(origin: { url: string }, bytes: Buffer, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${origin.url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: bytes,
  });
  expect([200, 201]).toContain(response.status);
  return ((await response.json()) as { id: string }).id;
}

/** Sum of a counter over all its label sets, read from /metrics. */
async function counter(origin: { url: string }, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${origin.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{') && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 50 } } })
    .jpeg({ quality: 85 })
    .toBuffer();

/** A plain PNG of one colour. */
function solidPng(width: number, height: number, background: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

/** A response's decoded pixels, and the RGB of one of them. */
async function pixelsOf(response: Response) {
  const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) =>
    Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  return { info, at };
}

describe('variant delivery', () => {
  let dataDir: string;
  let origin: TestOrigin;
  let id: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-delivery-'));
    origin = await startTestOrigin({ DATA_DIR: dataDir });
    id = await upload(origin, await photo(800, 600));
  });
  afterAll(async () => {
    await origin.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('renders a variant with the delivery headers', async () => {
    const response = await fetch(`${origin.url}/img/${id}/w_0200,q_70/photo.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('x-variant-source')).toBe('render');
    expect(response.headers.get('link')).toBe(`</img/${id}/w_200,q_70>; rel="canonical"`);
    expect(response.headers.get('server-timing')).toMatch(/dur=/);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f-]+"$/);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 200, 150]);
  });

  it('serves equivalent spellings from one variant: same bytes and ETag, no second render', async () => {
    const rendersBefore = await counter(origin, 'pixelfront_renders_total');
    const first = await fetch(`${origin.url}/img/${id}/c_fill,w_300,h_200,f_webp`);
    const second = await fetch(`${origin.url}/img/${id}/h_0200,w_300,f_webp,c_fill,g_center`);
    const third = await fetch(`${origin.url}/img/${id}/w_150,h_100,dpr_2,c_fill,f_webp`);
    expect(first.headers.get('x-variant-source')).toBe('render');
    expect(second.headers.get('x-variant-source')).toBe('memory');
    expect(third.headers.get('x-variant-source')).toBe('memory');
    const bodies = await Promise.all([first, second, third].map(async (r) => Buffer.from(await r.arrayBuffer())));
    expect(bodies[1]?.equals(bodies[0] as Buffer)).toBe(true);
    expect(bodies[2]?.equals(bodies[0] as Buffer)).toBe(true);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await counter(origin, 'pixelfront_renders_total')).toBe(rendersBefore + 1);

    const revalidated = await fetch(`${origin.url}/img/${id}/w_300,h_200,c_fill,f_webp`, {
      headers: { 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect(revalidated.status).toBe(304);
    // Nothing was looked up for a 304: no X-Variant-Source claiming memory.
    expect(revalidated.headers.get('x-variant-source')).toBeNull();
    expect(revalidated.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('shows in /metrics what the memory caches hold: each new variant adds its bytes, a deleted image takes its own away', async () => {
    const cached = (cache: string) => counter(origin, 'pixelfront_memory_cache_bytes', `cache="${cache}"`);
    const other = await upload(origin, await photo(640, 480));
    const [variantsBefore, sourcesBefore] = [await cached('variants'), await cached('sources')];
    const response = await fetch(`${origin.url}/img/${other}/w_123`);
    const bytes = (await response.arrayBuffer()).byteLength;
    expect(response.headers.get('x-variant-source')).toBe('render');
    expect(await cached('variants')).toBe(variantsBefore + bytes);
    expect(await cached('sources')).toBeGreaterThan(sourcesBefore); // the original, kept for its next variant
    expect((await fetch(`${origin.url}/v1/images/${other}`, { method: 'DELETE' })).status).toBe(204);
    expect([await cached('variants'), await cached('sources')]).toEqual([variantsBefore, sourcesBefore]);
  });

  it('renders 50 concurrent requests for one new variant exactly once', async () => {
    const before = await counter(origin, 'pixelfront_renders_total');
    const responses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${origin.url}/img/${id}/w_333,e_grayscale`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(await counter(origin, 'pixelfront_renders_total')).toBe(before + 1);
  });

  it('negotiates f_auto from Accept and varies on it', async () => {
    const ask = (accept: string) => fetch(`${origin.url}/img/${id}/w_120,f_auto`, { headers: { accept } });
    const jxl = await ask('image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8'); // Chromium here
    const avif = await ask('image/avif,image/webp,*/*');
    const webp = await ask('image/webp,*/*');
    const plain = await ask('*/*');
    expect(jxl.headers.get('content-type')).toBe('image/jxl');
    expect(avif.headers.get('content-type')).toBe('image/avif');
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(plain.headers.get('content-type')).toBe('image/jpeg');
    for (const response of [jxl, avif, webp, plain]) expect(response.headers.get('vary')).toBe('Accept');
    expect(new Set([jxl, avif, webp, plain].map((r) => r.headers.get('etag'))).size).toBe(4);
    const fixed = await fetch(`${origin.url}/img/${id}/w_120,f_webp`);
    expect(fixed.headers.get('vary')).toBeNull();
  });

  it('keeps an animated source animated in its own format by default', async () => {
    const frames = await Promise.all(
      ['#ff0000', '#00ff00', '#0000ff'].map((background) =>
        sharp({ create: { width: 40, height: 30, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const animated = await sharp(frames, { join: { animated: true } })
      .webp({ loop: 0 })
      .toBuffer();
    const animatedId = await upload(origin, animated);
    const response = await fetch(`${origin.url}/img/${animatedId}/w_20`);
    expect(response.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await response.arrayBuffer()), { pages: -1 }).metadata();
    expect([meta.width, meta.pages]).toEqual([20, 3]);
  });

  it('rejects bad transforms with 400 naming the item, and unknown watermarks with 404', async () => {
    const bad = await fetch(`${origin.url}/img/${id}/w_abc`);
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { code: string; detail: string };
    expect(problem.code).toBe('invalid_transform');
    expect(problem.detail).toContain('w_abc');
    expect((await fetch(`${origin.url}/img/${id}/w_100,zz_1`)).status).toBe(400);
    expect((await fetch(`${origin.url}/img/${id}/w_100,w_200`)).status).toBe(400);
    expect((await fetch(`${origin.url}/img/${id}/w_9000`)).status).toBe(400);
    expect((await fetch(`${origin.url}/img/${id}/t_nope`)).status).toBe(400);
    expect((await fetch(`${origin.url}/img/${id}/w_100,wm_missing`)).status).toBe(404);
  });

  it('overlays an uploaded watermark in the requested corner', async () => {
    const white = await upload(origin, await solidPng(400, 300, '#ffffff'));
    const logo = await solidPng(100, 100, '#ff0000');
    const put = await fetch(`${origin.url}/v1/watermarks/logo`, { method: 'PUT', body: logo });
    expect(put.status).toBe(201);
    expect((await fetch(`${origin.url}/v1/watermarks/logo`, { method: 'PUT', body: logo })).status).toBe(200);
    const other = await solidPng(10, 10, '#00ff00');
    expect((await fetch(`${origin.url}/v1/watermarks/logo`, { method: 'PUT', body: other })).status).toBe(409);

    const response = await fetch(`${origin.url}/img/${white}/wm_logo:north_west:100:25,f_png`);
    expect(response.status).toBe(200);
    const { info, at: pixel } = await pixelsOf(response);
    expect(pixel(Math.floor(info.width * 0.1), Math.floor(info.height * 0.1))).toEqual([255, 0, 0]);
    expect(pixel(info.width - 5, info.height - 5)).toEqual([255, 255, 255]);
  });

  it('overlays a watermark too large to blend in JavaScript through libvips, on the output-size pixels', async () => {
    const white = await upload(origin, await solidPng(1200, 900, '#ffffff'));
    const logo = await solidPng(100, 100, '#ff0000');
    expect((await fetch(`${origin.url}/v1/watermarks/wide`, { method: 'PUT', body: logo })).status).toBe(201);
    // 100 % of the width: a ~860 px square overlay, over the 262,144 pixels blended on the event loop.
    const response = await fetch(`${origin.url}/img/${white}/wm_wide:north_west:100:100,f_png`);
    expect(response.status).toBe(200);
    const { info, at: pixel } = await pixelsOf(response);
    expect([info.width, info.height]).toEqual([1200, 900]);
    expect(pixel(400, 400)).toEqual([255, 0, 0]);
    expect(pixel(info.width - 5, info.height - 5)).toEqual([255, 255, 255]);
  });

  it('lets exactly one of racing uploads of different bytes define a new watermark name', async () => {
    const colours = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff', '#ff00ff'];
    const logos = await Promise.all(
      colours.map((background) =>
        sharp({ create: { width: 40, height: 40, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const statuses = await Promise.all(
      logos.map(async (body) => (await fetch(`${origin.url}/v1/watermarks/race`, { method: 'PUT', body })).status),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(colours.length - 1);
    // The name holds the winner's bytes: the winner's upload again is 200, not 409.
    const winner = logos[statuses.indexOf(201)];
    expect((await fetch(`${origin.url}/v1/watermarks/race`, { method: 'PUT', body: winner })).status).toBe(200);
  });

  it('serves the variant from storage after a restart, and drops variants with the image', async () => {
    const path = `/img/${id}/w_250,h_250,c_pad,b_00ff00`;
    const before = await fetch(`${origin.url}${path}`);
    expect(before.status).toBe(200);
    const bytes = Buffer.from(await before.arrayBuffer());
    await origin.close();
    origin = await startTestOrigin({ DATA_DIR: dataDir });
    const after = await fetch(`${origin.url}${path}`);
    expect(after.headers.get('x-variant-source')).toBe('storage');
    expect(Buffer.from(await after.arrayBuffer()).equals(bytes)).toBe(true);

    const listed: string[] = [];
    for await (const object of origin.services.storage.list(`variants/${id}/`)) listed.push(object.key);
    expect(listed.length).toBeGreaterThan(0);
    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${origin.url}${path}`)).status).toBe(404);
    const left: string[] = [];
    for await (const object of origin.services.storage.list(`variants/${id}/`)) left.push(object.key);
    expect(left).toEqual([]);
  });
});

describe('presets', () => {
  let dir: string;
  let origin: TestOrigin;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-presets-'));
    await writeFile(join(dir, 'presets.json'), JSON.stringify({ square: 'c_fill,w_0120,h_120', banner: 'w_600,ar_3:1,c_fill,f_webp' }));
    origin = await startTestOrigin({ PRESETS_FILE: join(dir, 'presets.json') });
  });
  afterAll(async () => {
    await origin.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the built-ins with PRESETS_FILE, lists them canonically and renders them', async () => {
    const listed = (await (await fetch(`${origin.url}/v1/presets`)).json()) as { items: { name: string; ops: string }[] };
    expect(listed.items).toEqual([
      { name: 'square', ops: 'c_fill,w_120,h_120' },
      { name: 'banner', ops: 'c_fill,w_600,h_200,f_webp' },
    ]);
    const id = await upload(origin, await photo(900, 600));
    const banner = await fetch(`${origin.url}/img/${id}/t_banner`);
    expect(banner.headers.get('content-type')).toBe('image/webp');
    expect(banner.headers.get('link')).toBe(`</img/${id}/c_fill,w_600,h_200,f_webp>; rel="canonical"`);
    const meta = await sharp(Buffer.from(await banner.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([600, 200]);
    expect((await fetch(`${origin.url}/img/${id}/t_thumb`)).status).toBe(400);
  });
});

describe('back-pressure', () => {
  let origin: TestOrigin;
  let id: string;
  beforeAll(async () => {
    origin = await startTestOrigin({ RENDER_CONCURRENCY: '1', RENDER_QUEUE: '2' });
    id = await upload(origin, await photo(2400, 1800));
  });
  afterAll(() => origin.destroy());

  it('answers a burst beyond capacity with 503 + Retry-After, never 500, and recovers', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${origin.url}/img/${id}/w_${400 + i},e_sharpen`)));
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
    const overloaded = responses.filter((response) => response.status === 503);
    expect(overloaded.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
    for (const response of overloaded) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    const later = await fetch(`${origin.url}/img/${id}/w_401,e_sharpen`);
    expect(later.status).toBe(200);
    expect(await counter(origin, 'pixelfront_render_queue_length')).toBe(0);
  });
});

describe('signed URLs', () => {
  const key = 'first-signing-key';
  let origin: TestOrigin;
  let id: string;
  beforeAll(async () => {
    origin = await startTestOrigin({ SIGNED_URLS: 'required', SIGNING_KEYS: `${key},older-key`, PUBLIC_PRESETS: 'thumb' });
    id = await upload(origin, await photo(640, 480));
  });
  afterAll(() => origin.destroy());

  it('refuses unsigned, tampered and expired URLs and accepts good ones on any spelling', async () => {
    const canonical = `/img/${id}/c_fill,w_200,h_100`;
    const sig = await signPath(canonical, key);
    expect((await fetch(`${origin.url}${canonical}`)).status).toBe(403);
    expect((await fetch(`${origin.url}${canonical}?sig=${sig}`)).status).toBe(200);
    expect((await fetch(`${origin.url}/img/${id}/h_100,w_0200,c_fill?sig=${sig}`)).status).toBe(200);
    const tampered = `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const refused = await fetch(`${origin.url}${canonical}?sig=${tampered}`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('invalid_signature');
    expect((await fetch(`${origin.url}/img/${id}/c_fill,w_201,h_100?sig=${sig}`)).status).toBe(403);

    const past = Math.floor(Date.now() / 1000) - 60;
    expect((await fetch(`${origin.url}${canonical}?exp=${past}&sig=${await signPath(canonical, key, past)}`)).status).toBe(403);
    const future = Math.floor(Date.now() / 1000) + 600;
    expect((await fetch(`${origin.url}${canonical}?exp=${future}&sig=${await signPath(canonical, key, future)}`)).status).toBe(200);
    expect((await fetch(`${origin.url}${canonical}?sig=${await signPath(canonical, 'older-key')}`)).status).toBe(200);
    expect((await fetch(`${origin.url}/img/${id}/t_thumb`)).status).toBe(200);
    expect((await fetch(`${origin.url}/img/${id}`)).status).toBe(403);
  });

  it('refuses a repeated sig or exp with 400, even when every copy is valid (issue 14 item 12)', async () => {
    const canonical = `/img/${id}/c_fill,w_200,h_100`;
    const sig = await signPath(canonical, key);
    const future = Math.floor(Date.now() / 1000) + 600;
    const timed = await signPath(canonical, key, future);
    for (const query of [
      `sig=${sig}&sig=${sig}`,
      `sig=${sig}&sig=forged`,
      `exp=${future}&exp=${future}&sig=${timed}`,
      `sig=x&exp=1&exp=2`,
    ]) {
      const response = await fetch(`${origin.url}${canonical}?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { code: string; detail: string }).code, query).toBe('invalid_request');
    }
    expect((await fetch(`${origin.url}${canonical}?exp=${future}&sig=${timed}`)).status).toBe(200);
  });
});
