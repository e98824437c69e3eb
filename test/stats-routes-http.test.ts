import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageReport, TenantsReport, TopReport, StatsReport } from '../origin/stats/api-schema.ts';
import { sweepVariants } from '../origin/storage/variant-sweeper.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { testSchema } from './helpers/postgres.ts';
import { waitFor } from './helpers/wait-for.ts';

const acme = { authorization: 'Bearer key-acme-0001' };
const other = { authorization: 'Bearer key-other-0001' };
const admin = { authorization: 'Bearer admin-key-0001' };
const env = {
  API_KEYS: 'acme:key-acme-0001,other:key-other-0001,idle:key-idle-0001',
  ADMIN_KEYS: 'ops:admin-key-0001',
  EDGE_STATS_SECRET: 'edge-stats-secret-0001',
  STATS_FLUSH_MS: '600000',
  // Every test image gets one 64 px mezzanine.
  LADDER_SIZES: '64',
};

async function upload(url: string, headers: Record<string, string>, background: string, width = 200, noisy = false) {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
  const create = { width, height: 120, channels: 3 as const, background, ...(noisy ? { noise } : {}) };
  const body = await sharp({ create }).png().toBuffer();
  const response = await fetch(`${url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png', ...headers }, body });
  const image = (await response.json()) as { id: string; bytes: number };
  expect(response.status, JSON.stringify(image)).toBe(201);
  return image;
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, { headers });
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function bodyBytes(url: string): Promise<number> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.arrayBuffer()).byteLength;
}

function describeRoutes(name: string, backend: () => Record<string, string>, options: { skip?: boolean } = {}) {
  describe.skipIf(options.skip === true)(`statistics routes on ${name}`, () => {
    let origin: TestOrigin;
    beforeAll(async () => {
      origin = await startTestOrigin({ ...env, ...backend() });
    });
    afterAll(async () => {
      await origin?.destroy();
    });

    it('counts storage on write, removes variants the TTL sweep deletes and everything of a deleted image', async () => {
      const storage = () => getJson<StorageReport>(`${origin.url}/v1/stats/storage`, other);
      const image = await upload(origin.url, other, '#884422');
      const afterUpload = await storage();
      expect(afterUpload.originals).toEqual({ objects: 1, bytes: image.bytes });
      expect(afterUpload.mezzanines.objects).toBe(1);
      expect(afterUpload.mezzanines.bytes).toBeGreaterThan(0);
      expect(afterUpload.variants).toEqual({ objects: 0, bytes: 0 });
      expect(afterUpload.variantsEstimated).toBe(false);

      const variantBytes = await bodyBytes(`${origin.url}/img/${image.id}/w_50`);
      // The write-back runs after the answer.
      const withVariant = await waitFor(
        async () => ((await storage()).variants.objects === 1 ? storage() : undefined),
        10_000,
        'the variant to be counted',
      );
      expect(withVariant.variants).toEqual({ objects: 1, bytes: variantBytes });
      expect(withVariant.total).toEqual({
        objects: 3,
        bytes: image.bytes + withVariant.mezzanines.bytes + variantBytes,
      });
      // Served from memory and storage again: still one object.
      await bodyBytes(`${origin.url}/img/${image.id}/w_50`);
      expect((await storage()).variants.objects).toBe(1);

      // The sweep as the hourly timer runs it, with a cut-off that makes every variant expired.
      expect(await sweepVariants(origin.services.storage, new Date(Date.now() + 60_000), origin.services.storageCounts)).toBe(1);
      expect((await storage()).variants).toEqual({ objects: 0, bytes: 0 });
      expect((await storage()).originals.objects).toBe(1);

      await bodyBytes(`${origin.url}/img/${image.id}/w_60`);
      await waitFor(async () => ((await storage()).variants.objects === 1 ? true : undefined), 10_000, 'the new variant');
      const deleted = await fetch(`${origin.url}/v1/images/${image.id}`, { method: 'DELETE', headers: other });
      expect(deleted.status).toBe(204);
      expect(await storage()).toEqual({
        originals: { objects: 0, bytes: 0 },
        variants: { objects: 0, bytes: 0 },
        mezzanines: { objects: 0, bytes: 0 },
        total: { objects: 0, bytes: 0 },
        variantsEstimated: false,
      });

      const csv = await fetch(`${origin.url}/v1/stats/storage?format=csv`, { headers: other });
      expect(await csv.text()).toBe('kind,objects,bytes\r\noriginals,0,0\r\nvariants,0,0\r\nmezzanines,0,0\r\ntotal,0,0\r\n');
    });

    it("ranks the tenant's most delivered images by deliveries or bytes, as JSON or CSV", async () => {
      const small = await upload(origin.url, acme, '#123456', 100);
      const large = await upload(origin.url, acme, '#654321', 400, true);
      let smallBytes = 0;
      for (let n = 0; n < 3; n += 1) smallBytes += await bodyBytes(`${origin.url}/img/${small.id}`);
      const largeBytes = await bodyBytes(`${origin.url}/img/${large.id}`);
      expect(largeBytes).toBeGreaterThan(smallBytes);

      const byCount = await getJson<TopReport>(`${origin.url}/v1/stats/top?by=deliveries`, acme);
      expect(byCount.by).toBe('deliveries');
      expect(byCount.items).toEqual([
        { id: small.id, filename: null, format: 'png', deliveries: { count: 3, bytes: smallBytes } },
        { id: large.id, filename: null, format: 'png', deliveries: { count: 1, bytes: largeBytes } },
      ]);
      const byBytes = await getJson<TopReport>(`${origin.url}/v1/stats/top?by=bytes&limit=1`, acme);
      expect(byBytes.items.map((item) => item.id)).toEqual([large.id]);
      // Another tenant's images are not in it.
      expect((await getJson<TopReport>(`${origin.url}/v1/stats/top`, other)).items).toEqual([]);

      const csv = await fetch(`${origin.url}/v1/stats/top`, { headers: { ...acme, accept: 'text/csv' } });
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      // An id is random base64url: one starting with `-` gets the formula guard's leading `'` like any text cell.
      const cell = (id: string): string => (id.startsWith('-') ? `'${id}` : id);
      expect(await csv.text()).toBe(
        `id,filename,format,deliveries,delivery_bytes\r\n${cell(small.id)},,png,3,${smallBytes}\r\n${cell(large.id)},,png,1,${largeBytes}\r\n`,
      );
      for (const query of ['?by=views', '?limit=0', '?limit=1001', '?limit=ten', '?from=2026-02-30']) {
        const response = await fetch(`${origin.url}/v1/stats/top${query}`, { headers: acme });
        expect(response.status, query).toBe(400);
        expect(await response.json()).toMatchObject({ code: 'invalid_request' });
      }
    });

    it('lets admin keys read every tenant on /v1/admin/*, and nothing else; a tenant key there is 403', async () => {
      const stats = await getJson<StatsReport>(`${origin.url}/v1/admin/stats?groupBy=tenant`, admin);
      expect(stats.groupBy).toEqual(['tenant']);
      const uploads = Object.fromEntries(stats.rows.map((row) => [row.tenant, row.uploads.count]));
      expect(uploads).toEqual({ acme: 2, other: 1 });
      const byDay = await getJson<StatsReport>(`${origin.url}/v1/admin/stats`, admin);
      expect(byDay.groupBy).toEqual(['day', 'format']);
      expect(byDay.totals.uploads.count).toBe(3);

      const tenants = await getJson<TenantsReport>(`${origin.url}/v1/admin/tenants`, admin);
      expect(tenants.items.map(({ tenant, images }) => [tenant, images])).toEqual([
        ['acme', 2],
        ['idle', 0], // a key, nothing uploaded yet
        ['other', 0], // its image was deleted
      ]);
      const acmeRow = tenants.items[0];
      expect(acmeRow?.storedBytes).toBeGreaterThan(acmeRow?.imageBytes ?? Infinity); // mezzanines too
      const csv = await fetch(`${origin.url}/v1/admin/tenants?format=csv`, { headers: admin });
      expect((await csv.text()).split('\r\n')[0]).toBe('tenant,images,image_bytes,stored_bytes');
      const statsCsv = await fetch(`${origin.url}/v1/admin/stats?groupBy=tenant,month&format=csv`, { headers: admin });
      expect((await statsCsv.text()).split('\r\n')[0]).toMatch(/^tenant,month,uploads,/);

      for (const path of ['/v1/admin/stats', '/v1/admin/tenants']) {
        const forbidden = await fetch(`${origin.url}${path}`, { headers: acme });
        expect(forbidden.status, path).toBe(403);
        expect(await forbidden.json()).toMatchObject({ code: 'forbidden' });
        expect((await fetch(`${origin.url}${path}`)).status, path).toBe(401);
        expect((await fetch(`${origin.url}${path}`, { headers: { authorization: 'Bearer admin-key-0002' } })).status, path).toBe(401);
      }
      // Nor does a console session of a tenant get in.
      const session = await fetch(`${origin.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'key-acme-0001' }),
      });
      expect(session.status).toBe(201);
      const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const bySession = await fetch(`${origin.url}/v1/admin/tenants`, { headers: { cookie } });
      expect([bySession.status, ((await bySession.json()) as { code?: string }).code]).toEqual([403, 'forbidden']);
      // An admin key is not a tenant key.
      expect((await fetch(`${origin.url}/v1/stats`, { headers: admin })).status).toBe(401);
      expect((await fetch(`${origin.url}/v1/admin/stats?groupBy=tenant,hour`, { headers: admin })).status).toBe(400);
    });

    it("attributes the edge's counters to each image's owner and drops rows of unknown images", async () => {
      const image = await upload(origin.url, other, '#0a0b0c');
      const send = (body: unknown, secret = 'edge-stats-secret-0001') =>
        fetch(`${origin.url}/v1/edge-stats`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const day = new Date().toISOString().slice(0, 10);
      const row = { id: image.id, day, format: 'avif', preset: 'card', hits: 7, hitBytes: 7000, misses: 3 };
      const accepted = await send({ counts: [row, { ...row, id: 'NoSuchImage01' }] });
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toEqual({ accepted: 1, unknown: 1 });
      for (const bad of [{ counts: [{ ...row, hits: -1 }] }, { counts: [{ ...row, extra: 1 }] }, { rows: [] }]) {
        const response = await send(bad);
        expect(response.status, JSON.stringify(bad)).toBe(400);
      }
      expect((await send({ counts: [row] }, 'edge-stats-secret-0002')).status).toBe(401);

      const stats = await getJson<StatsReport>(`${origin.url}/v1/stats?groupBy=preset,format`, other);
      expect(stats.rows.find((entry) => entry.preset === 'card')).toMatchObject({
        format: 'avif',
        deliveries: { count: 7, bytes: 7000 },
        edge: { hits: 7, misses: 3, hitRatio: 0.7 },
      });
      expect((await getJson<TopReport>(`${origin.url}/v1/stats/top`, other)).items).toEqual([
        { id: image.id, filename: null, format: 'png', deliveries: { count: 7, bytes: 7000 } },
      ]);
      // Nothing of it reached another tenant.
      const acmeStats = await getJson<StatsReport>(`${origin.url}/v1/stats?groupBy=preset`, acme);
      expect(acmeStats.totals.edge).toEqual({ hits: 0, misses: 0, hitRatio: null });
    });
  });
}

describeRoutes('SQLite', () => ({}));

describe('admin routes in open mode', () => {
  it('are 403 for the open tenant and answer only the admin key', async () => {
    const origin = await startTestOrigin({ ADMIN_KEYS: 'ops:admin-key-0001' });
    try {
      for (const path of ['/v1/admin/stats', '/v1/admin/tenants']) {
        const anyone = await fetch(`${origin.url}${path}`, { headers: { authorization: 'Bearer anything-at-all' } });
        expect([anyone.status, ((await anyone.json()) as { code?: string }).code], path).toEqual([403, 'forbidden']);
        expect((await fetch(`${origin.url}${path}`)).status, path).toBe(403);
        expect((await fetch(`${origin.url}${path}`, { headers: admin })).status, path).toBe(200);
      }
      // Open mode has no keys, so a tenant is listed once it stores something.
      expect((await getJson<TenantsReport>(`${origin.url}/v1/admin/tenants`, admin)).items).toEqual([]);
    } finally {
      await origin.destroy();
    }
  });
});

const schema = testSchema('pf_stats_routes', 'statistics routes on PostgreSQL');
const pgAvailable = await schema.create();
if (pgAvailable) afterAll(() => schema.drop());

describeRoutes('PostgreSQL', () => ({ DATABASE_URL: schema.url() }), { skip: !pgAvailable });
