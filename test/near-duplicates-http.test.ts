import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillPerceptualHashes } from '../origin/similarity/backfill.ts';
import { corpusDir, hasCorpus } from './helpers/corpus.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

type Json = Record<string, unknown>;
type Near = { id: string; distance: number };

/**
 * Near duplicates over HTTP (issue 15): the upload answers of all three kinds list the tenant's
 * perceptually near images, `duplicates=reject` refuses them leaving nothing behind, and
 * `GET /v1/images/:id/similar` ranks them, never across tenants.
 */
describe.skipIf(!hasCorpus)('near duplicates over HTTP', () => {
  let origin: TestOrigin;
  let cat: Buffer;
  let flower: Buffer;
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'acme:acme-secret-key,globex:globex-secret-key', LADDER_SIZES: '256' });
    cat = await readFile(`${corpusDir}valid/jpeg_progressive_cat_icc.jpg`);
    flower = await readFile(`${corpusDir}valid/jpeg_icc_exif_flower.jpg`);
  });
  afterAll(() => origin?.destroy());

  const as = (tenant: string) => ({ authorization: `Bearer ${tenant}-secret-key` });
  const call = async (method: string, path: string, options: { tenant?: string; body?: RequestInit['body']; type?: string } = {}) => {
    const headers: Record<string, string> = { ...as(options.tenant ?? 'acme') };
    if (options.type) headers['content-type'] = options.type;
    const response = await fetch(`${origin.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json };
  };
  const upload = (bytes: Buffer, query = '', tenant = 'acme') =>
    call('POST', `/v1/images${query}`, { tenant, body: new Uint8Array(bytes), type: 'application/octet-stream' });
  const half = () => sharp(cat).resize(160).jpeg({ quality: 90 }).toBuffer();
  const q60 = () => sharp(cat).jpeg({ quality: 60 }).toBuffer();
  const webp = () => sharp(cat).webp().toBuffer();
  const storedKeys = async (prefix: string) => {
    const keys: string[] = [];
    for await (const object of origin.services.storage.list(prefix)) keys.push(object.key);
    return keys.sort();
  };
  const everything = async () => ({
    images: ((await call('GET', '/v1/images?limit=1000')).body['items'] as Json[]).map((image) => image['id']),
    originals: await storedKeys('originals/'),
    ladder: await storedKeys('ladder/'),
  });

  let catId = '';
  let halfId = '';

  it('hashes every raster upload and lists the near duplicates the tenant already has, nearest first', async () => {
    const first = await upload(cat);
    expect(first.status).toBe(201);
    expect(first.body['perceptualHash']).toMatch(/^[0-9a-f]{16}$/);
    expect(first.body['nearDuplicates']).toEqual([]);
    catId = String(first.body['id']);

    const second = await upload(await half());
    expect(second.status).toBe(201);
    halfId = String(second.body['id']);
    const near = second.body['nearDuplicates'] as Near[];
    expect(near.map((item) => item.id)).toEqual([catId]);
    expect(near[0]?.distance).toBeLessThanOrEqual(origin.services.config.nearDuplicateDistance);

    const distinct = await upload(flower);
    expect(distinct.status).toBe(201);
    expect(distinct.body['nearDuplicates']).toEqual([]);
  });

  it("never lists another tenant's images", async () => {
    const elsewhere = await upload(await q60(), '', 'globex');
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body['nearDuplicates']).toEqual([]);
  });

  it('refuses a near duplicate with duplicates=reject: 409 near_duplicate naming the ids, nothing stored', async () => {
    const before = await everything();
    const refused = await upload(await q60(), '?duplicates=reject');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'near_duplicate', status: 409 });
    const named = (refused.body['nearDuplicates'] as Near[]).map((item) => item.id).sort();
    expect(named).toEqual([catId, halfId].sort());
    expect(String(refused.body['detail'])).toContain(catId);
    expect(await everything()).toEqual(before);

    const bad = await upload(await q60(), '?duplicates=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body['code']).toBe('invalid_request');
    expect(await everything()).toEqual(before);
  });

  it('answers byte-identical bytes 200 deduplicated even with duplicates=reject, listing the other near ones', async () => {
    const again = await upload(cat, '?duplicates=reject');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: catId, deduplicated: true });
    expect((again.body['nearDuplicates'] as Near[]).map((item) => item.id)).toEqual([halfId]);
  });

  it('applies a bulk form field duplicates=reject to each file', async () => {
    const before = await everything();
    const form = new FormData();
    form.append('duplicates', 'reject');
    form.append('files', new Blob([new Uint8Array(await webp())]), 'copy.webp');
    const other = await sharp(flower).flop().blur(3).toBuffer();
    form.append('files', new Blob([new Uint8Array(other)]), 'other.jpg');
    const answer = await call('POST', '/v1/images', { body: form });
    expect(answer.status).toBe(200);
    const [refused, accepted] = answer.body['items'] as Json[];
    expect(refused).toMatchObject({ ok: false, filename: 'copy.webp', error: { code: 'near_duplicate', status: 409 } });
    expect(((refused?.['error'] as Json)['nearDuplicates'] as Near[]).map((item) => item.id)).toContain(catId);
    expect(accepted).toMatchObject({ ok: true, deduplicated: false, nearDuplicates: [] });
    const after = await everything();
    expect(after.images).toHaveLength(before.images.length + 1);
    expect(after.originals).toHaveLength(before.originals.length + 1);
  });

  it('applies duplicates: "reject" of POST /v1/uploads at completion, aborting the upload and freeing its parts', async () => {
    const before = await everything();
    const bytes = await q60();
    const created = await call('POST', '/v1/uploads', { body: JSON.stringify({ duplicates: 'reject' }), type: 'application/json' });
    expect(created.status).toBe(201);
    const uploadId = String(created.body['uploadId']);
    expect((await call('PUT', `/v1/uploads/${uploadId}/parts/1`, { body: new Uint8Array(bytes) })).status).toBe(200);
    const refused = await call('POST', `/v1/uploads/${uploadId}/complete`);
    expect(refused.status).toBe(409);
    expect(refused.body['code']).toBe('near_duplicate');
    expect(String(refused.body['detail'])).toContain(catId);
    expect((await call('POST', `/v1/uploads/${uploadId}/complete`)).body['code']).toBe('near_duplicate');
    expect((await call('GET', `/v1/uploads/${uploadId}`)).body).toMatchObject({ state: 'aborted', error: { code: 'near_duplicate' } });
    expect(await storedKeys(`uploads/${uploadId}/`)).toEqual([]);
    expect(await everything()).toEqual(before);

    expect((await call('POST', '/v1/uploads', { body: JSON.stringify({ duplicates: 'never' }), type: 'application/json' })).status).toBe(
      400,
    );
    const allowed = await call('POST', '/v1/uploads', { body: '{}', type: 'application/json' });
    const allowedId = String(allowed.body['uploadId']);
    await call('PUT', `/v1/uploads/${allowedId}/parts/1`, { body: new Uint8Array(bytes) });
    const completed = await call('POST', `/v1/uploads/${allowedId}/complete`);
    expect(completed.status).toBe(201);
    expect((completed.body['nearDuplicates'] as Near[]).map((item) => item.id)).toContain(catId);
    // Completing again answers the same image and its near duplicates, itself left out.
    const repeated = await call('POST', `/v1/uploads/${allowedId}/complete`);
    expect(repeated.body['id']).toBe(completed.body['id']);
    expect(repeated.body['nearDuplicates']).toEqual(completed.body['nearDuplicates']);
  });

  it("ranks the tenant's similar images by distance; another tenant's id is 404 and its images never appear", async () => {
    const similar = await call('GET', `/v1/images/${catId}/similar`);
    expect(similar.status).toBe(200);
    const items = similar.body['items'] as { distance: number; image: Json }[];
    expect(similar.body['maxDistance']).toBe(origin.services.config.nearDuplicateDistance);
    expect(items.map((item) => item.image['id'])).toContain(halfId);
    expect(items.map((item) => item.image['id'])).not.toContain(catId);
    const distances = items.map((item) => item.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    const globexIds = ((await call('GET', '/v1/images', { tenant: 'globex' })).body['items'] as Json[]).map((image) => image['id']);
    for (const item of items) expect(globexIds).not.toContain(item.image['id']);
    for (const item of items) expect(item.image).toHaveProperty('perceptualHash');

    const exact = await call('GET', `/v1/images/${catId}/similar?maxDistance=0&limit=1`);
    expect(exact.status).toBe(200);
    expect((exact.body['items'] as unknown[]).length).toBeLessThanOrEqual(1);
    for (const item of exact.body['items'] as { distance: number }[]) expect(item.distance).toBe(0);

    expect((await call('GET', `/v1/images/${catId}/similar`, { tenant: 'globex' })).status).toBe(404);
    expect((await call('GET', `/v1/images/${globexIds[0] as string}/similar`)).status).toBe(404);
    for (const query of ['maxDistance=17', 'maxDistance=-1', 'maxDistance=x', 'limit=0', 'limit=101'])
      expect((await call('GET', `/v1/images/${catId}/similar?${query}`)).status, query).toBe(400);
  });

  it('hashes images stored before perceptual hashes: the one asked about at once, the rest with the backfill', async () => {
    const { db, catalog } = origin.services;
    const hashes = new Map<string, string | null>();
    for (const id of [catId, halfId]) hashes.set(id, (await catalog.getImage('acme', id))?.perceptualHash ?? null);
    // As a row written before migration 0011 reads.
    await db
      .updateTable('images')
      .set({ phash: null, phash_b0: null, phash_b1: null, phash_b2: null, phash_b3: null })
      .where('id', 'in', [catId, halfId])
      .execute();

    const similar = await call('GET', `/v1/images/${catId}/similar`);
    expect(similar.status).toBe(200);
    // halfId has no hash yet: it cannot be found until the backfill gives it one.
    expect((similar.body['items'] as { image: Json }[]).map((item) => item.image['id'])).not.toContain(halfId);
    expect((await catalog.getImage('acme', catId))?.perceptualHash).toBe(hashes.get(catId));

    const report = await backfillPerceptualHashes(origin.services, origin.services.logger);
    expect(report).toMatchObject({ hashed: 1, failed: 0 });
    expect((await catalog.getImage('acme', halfId))?.perceptualHash).toBe(hashes.get(halfId));
    const after = await call('GET', `/v1/images/${catId}/similar`);
    expect((after.body['items'] as { image: Json }[]).map((item) => item.image['id'])).toContain(halfId);
    expect(await backfillPerceptualHashes(origin.services, origin.services.logger)).toEqual({ hashed: 0, skipped: 0, failed: 0 });
  });
});
