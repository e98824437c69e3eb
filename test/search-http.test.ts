import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** `GET /v1/images` search, filters and sorts over HTTP (issue 15): the catalog's own full-text index behind it. */
describe('GET /v1/images search and filters', () => {
  let origin: TestOrigin;
  const as = (tenant: 'acme' | 'globex') => ({ authorization: `Bearer ${tenant}-search-key` });
  let colour = 0;
  const upload = async (query: string, options: { tenant?: 'acme' | 'globex'; width?: number; format?: 'png' | 'jpeg' } = {}) => {
    colour += 1;
    const image = sharp({
      create: { width: options.width ?? 40, height: 30, channels: 3, background: `#${(0x203040 + colour * 7919).toString(16).slice(-6)}` },
    });
    const body = await (options.format === 'jpeg' ? image.jpeg() : image.png()).toBuffer();
    const response = await fetch(`${origin.url}/v1/images?${query}`, {
      method: 'POST',
      headers: { ...as(options.tenant ?? 'acme'), 'content-type': 'application/octet-stream' },
      body,
    });
    expect(response.status, query).toBe(201);
    return ((await response.json()) as { id: string; bytes: number }).id;
  };
  const list = async (query: string, tenant: 'acme' | 'globex' = 'acme') => {
    const response = await fetch(`${origin.url}/v1/images?${query}`, { headers: as(tenant) });
    return {
      status: response.status,
      body: (await response.json()) as { items?: { id: string; bytes: number }[]; next?: string | null; code?: string; detail?: string },
    };
  };
  const ids = async (query: string, tenant: 'acme' | 'globex' = 'acme') => {
    const { status, body } = await list(query, tenant);
    expect(status, `${query}: ${body.detail ?? ''}`).toBe(200);
    return (body.items ?? []).map((item) => item.id).sort();
  };
  const sorted = (...list: string[]) => [...list].sort();

  let camera = '';
  let harbour = '';
  let wide = '';
  let stranger = '';
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'acme:acme-search-key,globex:globex-search-key' });
    camera = await upload('filename=IMG_2041.JPG&tags=trip:2026', { format: 'jpeg' });
    harbour = await upload('filename=a.png&title=Harbour%20at%20dawn&tags=sea,trip:2026');
    wide = await upload('filename=b.png&alt=Wide%20harbour%20view&tags=Sea', { width: 400 });
    // The other tenant's look-alike never matches acme's queries.
    stranger = await upload('filename=IMG_2041.JPG&title=Harbour&tags=sea,trip:2026', { tenant: 'globex' });
  });
  afterAll(() => origin.destroy());

  it('finds words by q, tags that must all match, format and dimensions, within the tenant', async () => {
    expect(await ids('q=IMG_2041')).toEqual([camera]);
    expect(await ids('q=img_20')).toEqual([camera]);
    expect(await ids('q=harb')).toEqual(sorted(harbour, wide));
    expect(await ids('q=harbour%20dawn')).toEqual([harbour]);
    expect(await ids('tag=sea')).toEqual(sorted(harbour, wide));
    expect(await ids('tag=SEA&tag=trip:2026')).toEqual([harbour]);
    expect(await ids('tag=trip:2026&q=img')).toEqual([camera]);
    expect(await ids('format=jpeg')).toEqual([camera]);
    expect(await ids('minWidth=100')).toEqual([wide]);
    expect(await ids('minHeight=31')).toEqual([]);
    expect(await ids('q=harbour&tag=sea&format=png&minWidth=300')).toEqual([wide]);
    expect(await ids('q=img_2041', 'globex')).toEqual([stranger]);
    expect(await ids('tag=sea&tag=trip:2026', 'globex')).toEqual([stranger]);
  });

  it('filters by upload date: from at the start of its day, to through the end of its day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const all = sorted(camera, harbour, wide);
    expect(await ids(`from=${today}`)).toEqual(all);
    expect(await ids(`to=${today}`)).toEqual(all);
    expect(await ids(`from=${today}&to=${today}`)).toEqual(all);
    expect(await ids('to=2020-01-01')).toEqual([]);
    expect(await ids(`from=${new Date(Date.now() + 3_600_000).toISOString()}`)).toEqual([]);
    expect(await ids('from=2020-01-01T00:00:00%2B02:00')).toEqual(all);
  });

  it('sorts by size and by age, with a cursor that belongs to its sort', async () => {
    const bySize = await list('sort=-bytes&limit=2');
    expect(bySize.status).toBe(200);
    const sizes = bySize.body.items?.map((item) => item.bytes) ?? [];
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(bySize.body.next).toEqual(expect.any(String));
    const rest = await list(`sort=-bytes&limit=2&cursor=${bySize.body.next ?? ''}`);
    expect(rest.body.items).toHaveLength(1);
    expect(Math.max(...(rest.body.items ?? []).map((item) => item.bytes))).toBeLessThanOrEqual(Math.min(...sizes));

    const oldest = await ids('sort=createdAt&limit=1');
    expect(oldest).toEqual([camera]);
    const mixed = await list(`sort=createdAt&cursor=${bySize.body.next ?? ''}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body).toMatchObject({ code: 'invalid_request', detail: expect.stringMatching(/^cursor belongs to sort=-bytes/) });
  });

  it('keeps search in step with PATCH and DELETE', async () => {
    const id = await upload('filename=c.png&title=Old%20pier');
    const patched = await fetch(`${origin.url}/v1/images/${id}`, {
      method: 'PATCH',
      headers: { ...as('acme'), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ title: 'Lighthouse' }),
    });
    expect(patched.status).toBe(200);
    expect(await ids('q=pier')).toEqual([]);
    expect(await ids('q=lighthouse')).toEqual([id]);
    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE', headers: as('acme') })).status).toBe(204);
    expect(await ids('q=lighthouse')).toEqual([]);
  });

  it('refuses bad values with 400 invalid_request naming the parameter', async () => {
    const cases: [string, string][] = [
      ['q=', 'q'],
      ['q=%20%2A%2A', 'q'],
      [`q=${'x'.repeat(257)}`, 'q'],
      ['tag=not%20a%20tag', 'tag'],
      [Array.from({ length: 11 }, (_, index) => `tag=t${index}`).join('&'), 'tag'],
      ['format=bmp', 'format'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01', 'to'],
      ['from=2026-05-02&to=2026-05-01', 'to'],
      ['takenFrom=2026-05-01T12:00:00', 'takenFrom'],
      ['minWidth=-5', 'minWidth'],
      ['minHeight=1e3', 'minHeight'],
      ['sort=bytes', 'sort'],
      ['limit=0', 'limit'],
      ['cursor=%25%25', 'cursor'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await list(query);
      expect(status, query).toBe(400);
      expect(body.code, query).toBe('invalid_request');
      expect(body.detail, query).toMatch(new RegExp(`^${field}\\b`));
    }
  });
});
