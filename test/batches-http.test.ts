import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { send } from './helpers/robustness.ts';
import { waitFor } from './helpers/wait-for.ts';
import { canonicalTransform } from '../origin/transform/plan.ts';
import { originalKey } from '../origin/storage/layout.ts';
import { variantIdentity } from '../origin/transform/variant-identity.ts';
import { archive, createBatch, fixture, progress, upload, uploadMany, waitForBatch } from './helpers/batches.ts';

const acme = { authorization: 'Bearer key-acme-0001' };
const other = { authorization: 'Bearer key-other-0001' };
const presets = { thumb: 'c_fill,w_200,h_200', card: 'c_fill,w_300,h_200', og: 'c_fill,w_240,h_126,f_jpeg', auto: 'w_80,f_auto' };

describe('batches on the in-process queue', () => {
  let origin: TestOrigin;
  let presetsDir: string;

  beforeAll(async () => {
    presetsDir = await mkdtemp(join(tmpdir(), 'pixelfront-presets-'));
    await writeFile(join(presetsDir, 'presets.json'), JSON.stringify(presets));
    origin = await startTestOrigin({ API_KEYS: 'acme:key-acme-0001,other:key-other-0001', PRESETS_FILE: join(presetsDir, 'presets.json') });
  });
  afterAll(async () => {
    await origin.destroy();
    await rm(presetsDir, { recursive: true, force: true });
  });

  it('makes 10 images × 3 presets with rising progress, an archive of 30 entries, then serves them without rendering', async () => {
    const images = await uploadMany(origin.url, 10, { headers: acme });
    const created = await createBatch(origin.url, { presets: ['thumb', 'card', 'og'], images: images.map((image) => image.id) }, acme);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({ state: 'queued', total: 30 });
    const id = String(created.body['id']);

    const history: Awaited<ReturnType<typeof progress>>[] = [];
    const finished = await waitForBatch(() => origin.url, id, { headers: acme, history });
    expect(finished).toMatchObject({ id, state: 'completed', total: 30, done: 30, failed: 0, errors: [] });
    expect(history.length).toBeGreaterThan(1);

    const entries = await archive(origin.url, id, acme);
    expect(entries.size).toBe(30);
    const expected = { thumb: [200, 200, 'png'], card: [300, 200, 'png'], og: [240, 126, 'jpeg'] } as const;
    for (const image of images) {
      for (const [name, [width, height, format]] of Object.entries(expected)) {
        const data = entries.get(`photo-${images.indexOf(image)}.png/${name}.${format === 'jpeg' ? 'jpg' : format}`);
        expect(data, `${image.filename}/${name}`).toBeDefined();
        const meta = await sharp(data).metadata();
        expect([meta.width, meta.height, meta.format]).toEqual([width, height, format]);
      }
    }

    const served = await fetch(`${origin.url}/img/${images[0]?.id}/t_card`);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-variant-source')).not.toBe('render');
  });

  it('reports a corrupt source as a failed item while the rest complete', async () => {
    const images = await uploadMany(origin.url, 3, { headers: acme, size: [320, 240] });
    const broken = images[1];
    if (broken === undefined) throw new Error('no image');
    // Ingest would refuse these bytes; write them over the stored original directly.
    await origin.services.storage.put(
      originalKey(broken.id),
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]),
    );
    const created = await createBatch(origin.url, { transforms: ['w_100'], images: images.map((image) => image.id) }, acme);
    expect(created.status).toBe(202);
    const finished = await waitForBatch(() => origin.url, String(created.body['id']), { headers: acme });
    expect(finished).toMatchObject({ state: 'completed', total: 3, done: 2, failed: 1 });
    expect(finished.errors).toEqual([expect.objectContaining({ image: broken.id, code: 'corrupt_image' })]);
    const entries = await archive(origin.url, String(created.body['id']), acme);
    expect([...entries.keys()].sort()).toEqual(['photo-0.png/w_100.png', 'photo-2.png/w_100.png']);
  });

  it('makes one variant per negotiable format for f_auto and names clashing outputs apart', async () => {
    const [first, second] = [await fixture(40, 200, 100), await fixture(41, 200, 100)];
    const a = await upload(origin.url, first, { filename: 'same.png', headers: acme });
    const b = await upload(origin.url, second, { filename: 'same.png', headers: acme });
    // w_80,f_auto and the preset `auto` are one variant per format: the duplicates collapse.
    const created = await createBatch(
      origin.url,
      { presets: ['auto'], transforms: ['f_auto,w_80', 'w_50,e_blur:2'], images: [a.id, b.id] },
      acme,
    );
    expect(created.body).toMatchObject({ total: 10 });
    const finished = await waitForBatch(() => origin.url, String(created.body['id']), { headers: acme });
    expect(finished).toMatchObject({ state: 'completed', done: 10 });
    const names = [...(await archive(origin.url, String(created.body['id']), acme)).keys()].sort();
    expect(names).toEqual(
      [
        'same-2.png/auto.avif',
        'same-2.png/auto.jxl',
        'same-2.png/auto.png',
        'same-2.png/auto.webp',
        'same-2.png/w_50,e_blur_2.png',
        'same.png/auto.avif',
        'same.png/auto.jxl',
        'same.png/auto.png',
        'same.png/auto.webp',
        'same.png/w_50,e_blur_2.png',
      ].sort(),
    );
    for (const accept of ['image/jxl,image/avif,image/webp,*/*', 'image/avif,image/webp,*/*', 'image/webp,*/*', '*/*']) {
      const served = await fetch(`${origin.url}/img/${a.id}/t_auto`, { headers: { accept } });
      expect(served.status).toBe(200);
      expect(served.headers.get('x-variant-source')).not.toBe('render');
    }
  });

  it('queues eager presets after an upload', async () => {
    const image = await upload(origin.url, await fixture(50, 400, 300), { eager: 'thumb,auto', headers: acme });
    const keys = ['c_fill,w_200,h_200', 'w_80,f_auto'].flatMap((ops) => {
      const { canonicalWithoutFormat, spec } = canonicalTransform(origin.services.grammar, ops);
      const formats = spec.f === 'auto' ? (['jxl', 'avif', 'webp', 'png'] as const) : (['png'] as const);
      return formats.map((format) => variantIdentity(image.id, canonicalWithoutFormat, format).key);
    });
    await waitFor(
      async () => ((await Promise.all(keys.map((key) => origin.services.storage.head(key)))).every(Boolean) ? true : undefined),
      30_000,
      'eager variants',
    );
  });

  it('queues eager presets named in a multipart field for every file of a bulk upload', async () => {
    const form = new FormData();
    form.append('eager', 'og');
    form.append('file', new Blob([await fixture(60, 300, 200)], { type: 'image/png' }), 'one.png');
    form.append('file', new Blob([await fixture(61, 300, 200)], { type: 'image/png' }), 'two.png');
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: acme, body: form });
    const body = (await response.json()) as { items: Array<{ ok: boolean; image: { id: string } }> };
    expect(response.status, JSON.stringify(body)).toBe(200);
    const { canonicalWithoutFormat } = canonicalTransform(origin.services.grammar, 't_og');
    const keys = body.items.map((item) => variantIdentity(item.image.id, canonicalWithoutFormat, 'jpeg').key);
    expect(keys).toHaveLength(2);
    await waitFor(
      async () => ((await Promise.all(keys.map((key) => origin.services.storage.head(key)))).every(Boolean) ? true : undefined),
      30_000,
      'eager variants',
    );
  });

  it('validates the whole batch up front', async () => {
    const [image] = await uploadMany(origin.url, 1, { headers: acme, size: [64, 64] });
    const ids = [image?.id ?? ''];
    const cases: Array<[unknown, number, string]> = [
      [{ presets: ['nope'], images: ids }, 400, 'invalid_transform'],
      [{ presets: ['thumb,w_5'], images: ids }, 400, 'invalid_transform'],
      [{ transforms: ['w_100', 'w_abc'], images: ids }, 400, 'invalid_transform'],
      [{ transforms: ['w_99999'], images: ids }, 400, 'invalid_transform'],
      [{ transforms: [''], images: ids }, 400, 'invalid_transform'],
      [{ images: ids }, 400, 'invalid_request'],
      [{ presets: 'thumb' }, 400, 'invalid_request'],
      [{ presets: ['thumb'], images: ['bad id!'] }, 400, 'invalid_request'],
      [{ presets: ['thumb'], images: ['AAAAAAAAAAAAAAAAAAAAAA'] }, 404, 'not_found'],
      [{ presets: ['thumb'], surprise: 1 }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const response = await createBatch(origin.url, body, acme);
      expect([response.status, response.body['code']], JSON.stringify(body)).toEqual([status, code]);
    }
    const malformed = await fetch(`${origin.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...acme },
      body: '{"presets":',
    });
    expect(malformed.status).toBe(400);
    // The body is read whole, so it is bounded: 9 MiB of JSON is refused before it is read.
    // (node:http's client, because it takes a response that arrives while it is still sending.)
    const huge = JSON.stringify({ presets: ['thumb'], images: Array.from({ length: 300_000 }, () => 'A'.repeat(30)) });
    const refused = await send(origin.url, {
      method: 'POST',
      path: '/v1/batches',
      headers: { 'content-type': 'application/json', ...acme },
      body: huge,
    });
    expect(refused.status).toBe(413);
    // Another tenant's image is unknown.
    expect((await createBatch(origin.url, { presets: ['thumb'], images: ids }, other)).status).toBe(404);
    expect(
      (await fetch(`${origin.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    ).toBe(401);
  });

  it("keeps batches within their tenant and defaults to all of the tenant's images", async () => {
    const mine = await uploadMany(origin.url, 2, { headers: other, size: [100, 80] });
    const created = await createBatch(origin.url, { transforms: ['w_20'] }, other);
    expect(created.body).toMatchObject({ total: mine.length });
    const id = String(created.body['id']);
    await waitForBatch(() => origin.url, id, { headers: other });
    for (const path of [`/v1/batches/${id}`, `/v1/batches/${id}/archive`, '/v1/batches/b_AAAAAAAAAAAAAAAAAAAAAA', '/v1/batches/nope']) {
      const response = await fetch(`${origin.url}${path}`, { headers: acme });
      expect([response.status, ((await response.json()) as { code: string }).code], path).toEqual([404, 'not_found']);
    }
  });
});
