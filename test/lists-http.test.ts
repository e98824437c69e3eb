import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/**
 * The lists of issue 15 over HTTP: watermarks (list, bytes, delete), batches and multipart
 * uploads in progress, each paginated and each blind to another tenant's.
 */

const acme = { authorization: 'Bearer key-acme-lists' };
const other = { authorization: 'Bearer key-other-lists' };

const png = (background: string, width = 20) =>
  sharp({ create: { width, height: 10, channels: 4, background } })
    .png()
    .toBuffer();

describe('lists of watermarks, batches and uploads', () => {
  let origin: TestOrigin;
  const get = async (path: string, headers = acme) => {
    const response = await fetch(`${origin.url}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: unknown, headers = acme) =>
    fetch(`${origin.url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'acme:key-acme-lists,other:key-other-lists' });
  });
  afterAll(async () => {
    await origin.destroy();
  });

  it('lists, serves and deletes watermarks of the tenant only', async () => {
    const logo = await png('#f00');
    for (const name of ['logo', 'badge', 'stamp']) {
      const put = await fetch(`${origin.url}/v1/watermarks/${name}`, {
        method: 'PUT',
        headers: acme,
        body: name === 'logo' ? logo : await png('#0f0', 30),
      });
      expect(put.status).toBe(201);
    }
    // The other tenant's watermark of the same name is its own.
    expect((await fetch(`${origin.url}/v1/watermarks/logo`, { method: 'PUT', headers: other, body: await png('#00f') })).status).toBe(201);

    const first = await get('/v1/watermarks?limit=2');
    expect(first.status).toBe(200);
    expect(first.body['items']).toEqual([
      { name: 'badge', bytes: expect.any(Number), contentType: 'image/png', createdAt: expect.stringMatching(/^\d{4}-/) },
      { name: 'logo', bytes: logo.byteLength, contentType: 'image/png', createdAt: expect.stringMatching(/^\d{4}-/) },
    ]);
    expect(first.body['next']).toBe('logo');
    const second = await get(`/v1/watermarks?limit=2&cursor=${String(first.body['next'])}`);
    expect((second.body['items'] as { name: string }[]).map((item) => item.name)).toEqual(['stamp']);
    expect(second.body['next']).toBeNull();
    expect((await get('/v1/watermarks', other)).body['items']).toMatchObject([{ name: 'logo' }]);
    expect((await get('/v1/watermarks?cursor=../x')).status).toBe(400);

    const bytes = await fetch(`${origin.url}/v1/watermarks/logo`, { headers: acme });
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await bytes.arrayBuffer()).equals(logo)).toBe(true);

    expect((await fetch(`${origin.url}/v1/watermarks/stamp`, { headers: other })).status).toBe(404);
    expect((await fetch(`${origin.url}/v1/watermarks/stamp`, { method: 'DELETE', headers: other })).status).toBe(404);
    expect((await fetch(`${origin.url}/v1/watermarks/bad.name`, { headers: acme })).status).toBe(404);

    expect((await fetch(`${origin.url}/v1/watermarks/stamp`, { method: 'DELETE', headers: acme })).status).toBe(204);
    expect((await fetch(`${origin.url}/v1/watermarks/stamp`, { method: 'DELETE', headers: acme })).status).toBe(404);
    expect((await fetch(`${origin.url}/v1/watermarks/stamp`, { headers: acme })).status).toBe(404);
    expect(((await get('/v1/watermarks')).body['items'] as { name: string }[]).map((item) => item.name)).toEqual(['badge', 'logo']);
    // The name is free again, and the other tenant's logo is untouched.
    expect((await fetch(`${origin.url}/v1/watermarks/stamp`, { method: 'PUT', headers: acme, body: await png('#000') })).status).toBe(201);
    expect((await get('/v1/watermarks', other)).body['items']).toMatchObject([{ name: 'logo' }]);
  });

  it('lists batches newest first with a cursor, never another tenant’s', async () => {
    const uploaded = await fetch(`${origin.url}/v1/images?filename=a.png`, {
      method: 'POST',
      headers: { ...acme, 'content-type': 'image/png' },
      body: await png('#123'),
    });
    expect(uploaded.status).toBe(201);
    const image = String(((await uploaded.json()) as { id: string }).id);
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const created = await post('/v1/batches', { transforms: [`w_${10 + n}`], images: [image] });
      expect(created.status).toBe(202);
      ids.push(String(((await created.json()) as { id: string }).id));
    }
    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/v1/batches?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status).toBe(200);
      const items = page.body['items'] as { id: string; total: number; state: string; createdAt: string }[];
      for (const item of items) expect(item).toMatchObject({ total: 1, state: expect.stringMatching(/queued|running|completed/) });
      seen.push(...items);
      cursor = page.body['next'] as string | null;
    } while (cursor !== null);
    // Newest first; two batches of one millisecond are ordered by id (the store tests pin that).
    expect(seen.map((item) => item.id).sort()).toEqual([...ids].sort());
    const times = seen.map((item) => item.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect((await get('/v1/batches', other)).body).toEqual({ items: [], next: null });
    expect((await get(`/v1/batches/${ids[0] ?? ''}`, other)).status).toBe(404);
    expect((await get('/v1/batches?cursor=nope!')).status).toBe(400);
    expect((await get('/v1/batches?limit=5000')).status).toBe(400);
  });

  it('lists the uploads in progress, not finished or aborted ones, nor another tenant’s', async () => {
    const start = async (filename: string, headers = acme) =>
      String(((await (await post('/v1/uploads', { filename }, headers)).json()) as { uploadId: string }).uploadId);
    const kept = await start('kept.png');
    const aborted = await start('aborted.png');
    const sent = await start('sent.png');
    const theirs = await start('theirs.png', other);
    const part = await png('#456');
    const put = await fetch(`${origin.url}/v1/uploads/${sent}/parts/1`, { method: 'PUT', headers: acme, body: part });
    expect(put.status).toBe(200);
    expect((await fetch(`${origin.url}/v1/uploads/${aborted}`, { method: 'DELETE', headers: acme })).status).toBe(204);

    const listed = await get('/v1/uploads');
    expect(listed.status).toBe(200);
    expect(listed.body['next']).toBeNull();
    expect(listed.body['items']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ uploadId: sent, filename: 'sent.png', receivedBytes: part.byteLength, receivedParts: 1 }),
        expect.objectContaining({ uploadId: kept, filename: 'kept.png', receivedBytes: 0, receivedParts: 0 }),
      ]),
    );
    expect(listed.body['items']).toHaveLength(2);
    const firstPage = await get('/v1/uploads?limit=1');
    const secondPage = await get(`/v1/uploads?limit=1&cursor=${String(firstPage.body['next'])}`);
    const paged = [...(firstPage.body['items'] as { uploadId: string }[]), ...(secondPage.body['items'] as { uploadId: string }[])];
    expect(paged.map((item) => item.uploadId)).toEqual((listed.body['items'] as { uploadId: string }[]).map((item) => item.uploadId));
    expect(secondPage.body['next']).toBeNull();

    const complete = await post(`/v1/uploads/${sent}/complete`, {});
    expect(complete.status).toBe(201);
    expect((await get('/v1/uploads')).body['items']).toEqual([expect.objectContaining({ uploadId: kept })]);
    expect((await get('/v1/uploads', other)).body['items']).toEqual([expect.objectContaining({ uploadId: theirs })]);
    expect((await get(`/v1/uploads/${theirs}`)).status).toBe(404);
  });

  it('keeps each list in its role: GET /v1/uploads is multipart, the others api', async () => {
    const api = await startTestOrigin({ API_KEYS: 'acme:key-acme-lists', ROLES: 'api' });
    try {
      expect((await fetch(`${api.url}/v1/uploads`, { headers: acme })).status).toBe(421);
      expect((await fetch(`${api.url}/v1/watermarks`, { headers: acme })).status).toBe(200);
      expect((await fetch(`${api.url}/v1/batches`, { headers: acme })).status).toBe(200);
    } finally {
      await api.destroy();
    }
  });
});
