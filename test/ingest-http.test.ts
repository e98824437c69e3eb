import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusManifest, corpusPath, hasCorpus } from './helpers/corpus.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

const manifest = corpusManifest();
const formatName: Record<string, string> = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'avif',
  tiff: 'tiff',
  svg: 'svg',
  heic: 'heic',
};

async function uploadRaw(origin: TestOrigin, body: Uint8Array, init: { filename?: string; headers?: Record<string, string> } = {}) {
  const query = init.filename ? `?filename=${encodeURIComponent(init.filename)}` : '';
  return fetch(`${origin.url}/v1/images${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...init.headers },
    body,
  });
}

const png = (color: string, width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();

describe.skipIf(!hasCorpus)('corpus uploads over HTTP', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(() => origin.destroy());

  for (const entry of manifest.filter((item) => item.expect === 'ok')) {
    it(`accepts ${entry.file}`, async () => {
      const bytes = await readFile(corpusPath(entry));
      const response = await uploadRaw(origin, bytes, { filename: entry.file.split('/').pop() ?? 'x' });
      const body = (await response.json()) as Record<string, unknown>;
      // HEIC is always decoded (libheif in WebAssembly); another missing codec may be a clean 415.
      const heicOnly = entry.requires?.every((feature) => feature === 'heic') ?? false;
      if (entry.requires?.length && !heicOnly && response.status === 415) {
        expect(body['code']).toBe('unsupported_media_type');
        return;
      }
      expect(response.status, JSON.stringify(body)).toBe(201);
      expect(body['format']).toBe(formatName[entry.format]);
      expect([body['width'], body['height']]).toEqual(entry.display_size);
      const original = await fetch(`${origin.url}/img/${String(body['id'])}`);
      expect(original.status).toBe(200);
      expect(original.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(original.headers.get('x-content-type-options')).toBe('nosniff');
      const served = Buffer.from(await original.arrayBuffer());
      if (entry.format === 'svg') {
        expect(original.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(served.toString('utf8')).not.toMatch(/<script|javascript:|\son\w+\s*=/i);
      } else {
        expect(served.equals(bytes)).toBe(true);
      }
    });
  }

  for (const entry of manifest.filter((item) => item.expect === 'reject')) {
    it(`rejects ${entry.file} with a 4xx problem and stays healthy`, async () => {
      const bytes = await readFile(corpusPath(entry));
      const response = await uploadRaw(origin, bytes);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { code: string; status: number };
      expect(['invalid_request', 'unsupported_media_type', 'corrupt_image', 'image_too_large', 'payload_too_large']).toContain(
        problem.code,
      );
      expect(problem.status).toBe(response.status);
      const healthy = await uploadRaw(origin, await png('#123456', 10 + Math.floor(Math.random() * 1000), 10));
      expect([200, 201]).toContain(healthy.status);
    });
  }
});

describe('uploads, listing and deletion', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'acme:acme-secret-key,globex:globex-secret-key', MAX_UPLOAD_BYTES: '200000' });
  });
  afterAll(() => origin.destroy());
  const as = (tenant: 'acme' | 'globex') => ({ authorization: `Bearer ${tenant}-secret-key` });

  it('needs an API key on /v1 when keys are configured', async () => {
    const missing = await fetch(`${origin.url}/v1/images`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { code: string }).code).toBe('unauthorized');
    const wrong = await fetch(`${origin.url}/v1/images`, { headers: { authorization: 'Bearer nope-nope-nope' } });
    expect(wrong.status).toBe(401);
  });

  it('stores a raw upload with its metadata and deduplicates the same bytes', async () => {
    const bytes = await png('#ff0000', 120, 80);
    const first = await uploadRaw(origin, bytes, { headers: { ...as('acme'), 'content-disposition': 'attachment; filename="red.png"' } });
    expect(first.status).toBe(201);
    const image = (await first.json()) as Record<string, unknown>;
    expect(image).toMatchObject({
      format: 'png',
      width: 120,
      height: 80,
      frames: 1,
      hasAlpha: false,
      filename: 'red.png',
      deduplicated: false,
    });
    expect(image['url']).toBe(`/img/${String(image['id'])}`);
    expect((image['placeholder'] as { dominantColor: string }).dominantColor).toMatch(/^#[0-9a-f]{6}$/);
    expect(typeof (image['placeholder'] as { blurhash: string }).blurhash).toBe('string');

    const again = await uploadRaw(origin, bytes, { headers: as('acme') });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: image['id'], deduplicated: true });

    // The same bytes in another tenant are that tenant's own image.
    const other = await uploadRaw(origin, bytes, { headers: as('globex') });
    expect(other.status).toBe(201);
    expect(((await other.json()) as { id: string }).id).not.toBe(image['id']);
  });

  it('keeps tenants apart: no reading, listing or deleting of another tenant’s images', async () => {
    const created = (await (await uploadRaw(origin, await png('#00ff00'), { headers: as('acme') })).json()) as { id: string };
    expect((await fetch(`${origin.url}/v1/images/${created.id}`, { headers: as('globex') })).status).toBe(404);
    expect((await fetch(`${origin.url}/v1/images/${created.id}`, { method: 'DELETE', headers: as('globex') })).status).toBe(404);
    const listed = (await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('globex') })).json()) as {
      items: { id: string }[];
    };
    expect(listed.items.map((item) => item.id)).not.toContain(created.id);
    expect((await fetch(`${origin.url}/v1/images/${created.id}`, { headers: as('acme') })).status).toBe(200);
  });

  it('lists newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await uploadRaw(origin, await png(`#0000${(16 + i).toString(16)}`, 30 + i, 30), { headers: as('globex') });
      ids.push(((await response.json()) as { id: string }).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await (await fetch(`${origin.url}/v1/images?limit=2${query}`, { headers: as('globex') })).json()) as {
        items: { id: string }[];
        next: string | null;
      };
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect((await fetch(`${origin.url}/v1/images?limit=0`, { headers: as('globex') })).status).toBe(400);
    expect((await fetch(`${origin.url}/v1/images?cursor=%%%`, { headers: as('globex') })).status).toBe(400);
  });

  it('finds an image by the SHA-256 of its bytes, within the tenant only', async () => {
    const bytes = await png('#123456', 50, 40);
    const created = (await (await uploadRaw(origin, bytes, { headers: as('acme') })).json()) as { id: string; sha256: string };
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(created.sha256).toBe(hash);
    const find = async (sha256: string, tenant: 'acme' | 'globex' = 'acme') => {
      const response = await fetch(`${origin.url}/v1/images?sha256=${sha256}`, { headers: as(tenant) });
      return {
        status: response.status,
        body: (await response.json()) as { items?: { id: string }[]; next?: unknown; code?: string; detail?: string },
      };
    };
    expect(await find(hash)).toMatchObject({ status: 200, body: { items: [{ id: created.id }], next: null } });
    expect((await find(hash.toUpperCase())).body.items?.map((item) => item.id)).toEqual([created.id]);
    expect((await find(hash, 'globex')).body).toEqual({ items: [], next: null });
    expect((await find('0'.repeat(64))).body).toEqual({ items: [], next: null });
    for (const bad of ['abc', `${hash}0`, 'g'.repeat(64)]) {
      const refused = await find(bad);
      expect([refused.status, refused.body.code], bad).toEqual([400, 'invalid_request']);
      expect(refused.body.detail).toContain('sha256');
    }
  });

  it('deletes the original and the row; the URL is 404 afterwards', async () => {
    const created = (await (await uploadRaw(origin, await png('#abcdef'), { headers: as('acme') })).json()) as { id: string };
    expect((await fetch(`${origin.url}/img/${created.id}`)).status).toBe(200);
    expect((await fetch(`${origin.url}/v1/images/${created.id}`, { method: 'DELETE', headers: as('acme') })).status).toBe(204);
    expect((await fetch(`${origin.url}/img/${created.id}`)).status).toBe(404);
    expect((await fetch(`${origin.url}/v1/images/${created.id}`, { headers: as('acme') })).status).toBe(404);
    expect(await origin.services.storage.head(`originals/${created.id}`)).toBeNull();
  });

  it('answers 413 over MAX_UPLOAD_BYTES, declared or streamed, and leaves nothing behind', async () => {
    const big = await sharp({
      create: { width: 400, height: 400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(200000);
    const declared = await uploadRaw(origin, big, { headers: as('acme') });
    expect(declared.status).toBe(413);
    const declaredProblem = (await declared.json()) as { code: string; detail: string };
    expect(declaredProblem.code).toBe('payload_too_large');
    expect(declaredProblem.detail).toContain('/v1/uploads');
    // Without Content-Length (chunked), the limit is enforced while streaming.
    const chunked = await fetch(`${origin.url}/v1/images`, {
      method: 'POST',
      headers: { ...as('acme'), 'content-type': 'image/png' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { detail: string }).detail).toContain('/v1/uploads');
    const listed = (await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('acme') })).json()) as {
      items: { bytes: number }[];
    };
    expect(listed.items.some((item) => item.bytes === big.length)).toBe(false);
  });

  it('rejects a body that is not an image with 415 and stores nothing', async () => {
    const before = (await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('acme') })).json()) as { items: unknown[] };
    const response = await uploadRaw(origin, new TextEncoder().encode('hello, this is not an image'), { headers: as('acme') });
    expect(response.status).toBe(415);
    const after = (await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('acme') })).json()) as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
    const json = await fetch(`${origin.url}/v1/images`, {
      method: 'POST',
      headers: { ...as('acme'), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
  });

  it('takes a bulk form with good and bad files and answers per item', async () => {
    const form = new FormData();
    form.append('files', new Blob([await png('#102030', 50, 40)]), 'one.png');
    form.append('files', new Blob([new TextEncoder().encode('not an image at all')]), 'notes.txt');
    form.append(
      'files',
      new Blob([
        await sharp({ create: { width: 33, height: 22, channels: 4, background: '#ff000080' } })
          .webp()
          .toBuffer(),
      ]),
      'two.webp',
    );
    form.append('files', new Blob([(await png('#102030', 50, 40)).subarray(0, 60)]), 'truncated.png');
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: as('globex'), body: form });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as {
      items: Array<{
        ok: boolean;
        filename?: string;
        image?: { format: string; width: number; filename: string };
        error?: { code: string; status: number };
      }>;
    };
    expect(items.map((item) => item.ok)).toEqual([true, false, true, false]);
    expect(items[0]?.image).toMatchObject({ format: 'png', width: 50, filename: 'one.png' });
    expect(items[1]).toMatchObject({ filename: 'notes.txt', error: { code: 'unsupported_media_type', status: 415 } });
    expect(items[2]?.image).toMatchObject({ format: 'webp', width: 33 });
    expect(items[3]?.error?.status).toBeGreaterThanOrEqual(400);
    expect(items[3]?.error?.status).toBeLessThan(500);
  });

  it('refuses a form without file parts', async () => {
    const form = new FormData();
    form.append('note', 'no files here');
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: as('acme'), body: form });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_request');
  });

  it('refuses a form over the field limit instead of silently dropping its tail', async () => {
    const form = new FormData();
    for (let index = 0; index < 101; index += 1) form.append(`note${index}`, 'x');
    form.append('eager', 'thumb');
    form.append('files', new Blob([await png('#2468ac', 61, 43)]), 'late.png');
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: as('acme'), body: form });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('payload_too_large');
    const listed = (await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('acme') })).json()) as {
      items: { width: number; height: number }[];
    };
    expect(listed.items.some((item) => item.width === 61 && item.height === 43)).toBe(false);
    expect(await readdir(join(origin.dataDir, 'tmp')).catch(() => [])).toEqual([]);
  });

  it('refuses an unknown eager preset before storing anything', async () => {
    const bytes = await png('#13579b', 77, 55);
    const raw = await fetch(`${origin.url}/v1/images?eager=thumb,nope`, {
      method: 'POST',
      headers: { ...as('acme'), 'content-type': 'image/png' },
      body: bytes,
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { code: string }).code).toBe('invalid_transform');
    const form = new FormData();
    form.append('eager', 'nope');
    form.append('files', new Blob([bytes]), 'x.png');
    expect((await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: as('acme'), body: form })).status).toBe(400);
    const listed = (await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('acme') })).json()) as {
      items: { width: number; height: number }[];
    };
    expect(listed.items.some((item) => item.width === 77 && item.height === 55)).toBe(false);
  });

  it('answers malformed ids and unknown routes with problems', async () => {
    expect((await fetch(`${origin.url}/img/bad`)).status).toBe(400);
    expect((await fetch(`${origin.url}/img/AAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    const unknown = await fetch(`${origin.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });

  it('serves 304 for a matching If-None-Match', async () => {
    const created = (await (await uploadRaw(origin, await png('#fedcba'), { headers: as('acme') })).json()) as { id: string };
    const first = await fetch(`${origin.url}/img/${created.id}`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const second = await fetch(`${origin.url}/img/${created.id}`, { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
  });
});
