import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** People's own metadata over HTTP (issue 15): at upload in all three ways, and PATCH. */
describe('title, alt, tags and meta', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'acme:acme-secret-key,globex:globex-secret-key' });
  });
  afterAll(() => origin.destroy());
  const as = (tenant: 'acme' | 'globex') => ({ authorization: `Bearer ${tenant}-secret-key` });
  let colour = 0;
  const png = () => {
    colour += 1;
    return sharp({ create: { width: 40, height: 30, channels: 3, background: `#${(0x102030 + colour * 9973).toString(16).slice(-6)}` } })
      .png()
      .toBuffer();
  };
  const raw = async (query: string, tenant: 'acme' | 'globex' = 'acme') =>
    fetch(`${origin.url}/v1/images?${query}`, {
      method: 'POST',
      headers: { ...as(tenant), 'content-type': 'image/png' },
      body: await png(),
    });
  const imageCount = async () =>
    ((await (await fetch(`${origin.url}/v1/images?limit=1000`, { headers: as('acme') })).json()) as { items: unknown[] }).items.length;
  const patch = (id: string, body: unknown, tenant: 'acme' | 'globex' = 'acme') =>
    fetch(`${origin.url}/v1/images/${id}`, {
      method: 'PATCH',
      headers: { ...as(tenant), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(body),
    });

  it('takes them as query parameters of a raw upload and returns them in the image object', async () => {
    const meta = encodeURIComponent(JSON.stringify({ shoot: 'harbour', rating: 4 }));
    const response = await raw(
      `filename=h.png&title=Harbour%20at%20dawn&alt=Boats%20in%20fog&tags=Sea,%20trip:2026,sea,fog_1&meta=${meta}`,
    );
    expect(response.status).toBe(201);
    const image = (await response.json()) as { id: string };
    expect(image).toMatchObject({
      title: 'Harbour at dawn',
      alt: 'Boats in fog',
      tags: ['sea', 'trip:2026', 'fog_1'],
      meta: { shoot: 'harbour', rating: 4 },
    });
    expect(await (await fetch(`${origin.url}/v1/images/${image.id}`, { headers: as('acme') })).json()).toMatchObject({
      title: 'Harbour at dawn',
      tags: ['sea', 'trip:2026', 'fog_1'],
    });
  });

  it('gives an image without them null and no tags', async () => {
    const image = (await (await raw('')).json()) as Record<string, unknown>;
    expect(image).toMatchObject({ title: null, alt: null, tags: [], meta: null });
  });

  it('refuses bad values with 400 invalid_request naming the field, and stores nothing', async () => {
    const before = await imageCount();
    const cases: [string, string][] = [
      ['tags=ok,not%20ok', 'tags'],
      [`tags=${'x'.repeat(65)}`, 'tags'],
      [`tags=${Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')}`, 'tags'],
      ['tags=caf%C3%A9', 'tags'],
      ['meta=%5B1,2%5D', 'meta'],
      ['meta=not-json', 'meta'],
      ['meta=42', 'meta'],
      [`meta=${encodeURIComponent(JSON.stringify({ big: 'x'.repeat(4100) }))}`, 'meta'],
      ['title=', 'title'],
      [`title=${'t'.repeat(257)}`, 'title'],
      ['alt=a%00b', 'alt'],
    ];
    for (const [query, field] of cases) {
      const response = await raw(query);
      expect(response.status, query).toBe(400);
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code).toBe('invalid_request');
      expect(problem.detail, query).toMatch(new RegExp(`^${field}: `));
    }
    expect(await imageCount()).toBe(before);
  });

  it('applies the fields of a bulk form to every file of it', async () => {
    const form = new FormData();
    form.append('title', 'Batch');
    form.append('tags', 'bulk,Day-1');
    form.append('meta', JSON.stringify({ camera: 'x100' }));
    form.append('files', new Blob([await png()], { type: 'image/png' }), 'a.png');
    form.append('files', new Blob([await png()], { type: 'image/png' }), 'b.png');
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: as('acme'), body: form });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: { ok: boolean; image: Record<string, unknown> }[] };
    expect(items).toHaveLength(2);
    for (const item of items)
      expect(item.image).toMatchObject({ title: 'Batch', alt: null, tags: ['bulk', 'day-1'], meta: { camera: 'x100' } });

    const before = await imageCount();
    const bad = new FormData();
    bad.append('tags', 'fine,no spaces please');
    bad.append('files', new Blob([await png()], { type: 'image/png' }), 'c.png');
    const refused = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: as('acme'), body: bad });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^tags: /);
    expect(await imageCount()).toBe(before);
  });

  it('takes them in the body of POST /v1/uploads and applies them at completion', async () => {
    const created = await fetch(`${origin.url}/v1/uploads`, {
      method: 'POST',
      headers: { ...as('acme'), 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'm.png', title: 'Multipart', tags: ['Big', 'pano'], meta: { parts: 1 } }),
    });
    expect(created.status).toBe(201);
    const { uploadId } = (await created.json()) as { uploadId: string };
    expect(
      (await fetch(`${origin.url}/v1/uploads/${uploadId}/parts/1`, { method: 'PUT', headers: as('acme'), body: await png() })).status,
    ).toBe(200);
    const completed = await fetch(`${origin.url}/v1/uploads/${uploadId}/complete`, { method: 'POST', headers: as('acme') });
    expect(completed.status).toBe(201);
    expect(await completed.json()).toMatchObject({
      filename: 'm.png',
      title: 'Multipart',
      alt: null,
      tags: ['big', 'pano'],
      meta: { parts: 1 },
    });

    const refused = await fetch(`${origin.url}/v1/uploads`, {
      method: 'POST',
      headers: { ...as('acme'), 'content-type': 'application/json' },
      body: JSON.stringify({ meta: 'not an object' }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/meta: /);
  });

  it('changes them with a JSON merge patch and keeps the bytes', async () => {
    const image = (await (
      await raw(`title=Old&alt=Alt&tags=a,b&meta=${encodeURIComponent(JSON.stringify({ keep: 1, drop: 2, deep: { x: 1, y: 2 } }))}`)
    ).json()) as Record<string, unknown>;
    const id = String(image['id']);
    const response = await patch(id, {
      title: 'New',
      alt: null,
      tags: ['C'],
      meta: { drop: null, added: [1], deep: { y: null, z: 3 } },
      filename: 'renamed.png',
    });
    expect(response.status).toBe(200);
    const patched = (await response.json()) as Record<string, unknown>;
    expect(patched).toEqual({
      ...image,
      deduplicated: undefined,
      nearDuplicates: undefined,
      filename: 'renamed.png',
      title: 'New',
      alt: null,
      tags: ['c'],
      meta: { keep: 1, added: [1], deep: { x: 1, z: 3 } },
    });
    expect(await (await fetch(`${origin.url}/v1/images/${id}`, { headers: as('acme') })).json()).toEqual(patched);
    expect(await (await patch(id, { tags: null, meta: null })).json()).toMatchObject({ tags: [], meta: null, title: 'New' });
    expect(await (await patch(id, {})).json()).toMatchObject({ title: 'New' });
  });

  it('refuses patches of measured fields or bad values, changing nothing', async () => {
    const id = String(((await (await raw('title=Stays')).json()) as { id: string }).id);
    const cases: [unknown, RegExp][] = [
      [{ width: 10 }, /^width: cannot be changed/],
      [{ sha256: 'x' }, /^sha256: /],
      [{ tags: 'ok,not ok' }, /^tags: /],
      [{ tags: [1] }, /^tags: /],
      [{ meta: 'text' }, /^meta: /],
      [{ meta: { big: 'x'.repeat(5000) } }, /^meta: /],
      [{ title: 7 }, /^title: /],
      [{ filename: 'a/b.png' }, /^filename: /],
      [[{ op: 'replace' }], /merge patch/],
      ['text', /merge patch/],
    ];
    for (const [body, detail] of cases) {
      const response = await patch(id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code).toBe('invalid_request');
      expect(problem.detail).toMatch(detail);
    }
    const notJson = await fetch(`${origin.url}/v1/images/${id}`, { method: 'PATCH', headers: as('acme'), body: '{"title":' });
    expect(notJson.status).toBe(400);
    expect(await (await fetch(`${origin.url}/v1/images/${id}`, { headers: as('acme') })).json()).toMatchObject({
      title: 'Stays',
      tags: [],
    });
  });

  it("answers 404 for another tenant's image and leaves it alone", async () => {
    const id = String(((await (await raw('title=Mine')).json()) as { id: string }).id);
    const response = await patch(id, { title: 'Theirs' }, 'globex');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('not_found');
    expect((await patch('nonexistent-id-1234', { title: 'x' })).status).toBe(404);
    expect(await (await fetch(`${origin.url}/v1/images/${id}`, { headers: as('acme') })).json()).toMatchObject({ title: 'Mine' });
  });
});
