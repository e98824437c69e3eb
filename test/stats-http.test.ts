import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { testSchema } from './helpers/postgres.ts';
import { waitFor } from './helpers/wait-for.ts';
import type { StatsReport, StatsRow } from '../origin/stats/api-schema.ts';

const acme = { authorization: 'Bearer key-acme-0001' };
const other = { authorization: 'Bearer key-other-0001' };
const third = { authorization: 'Bearer key-third-0001' };
const fourth = { authorization: 'Bearer key-fourth-0001' };
const apiKeys = 'acme:key-acme-0001,other:key-other-0001,third:key-third-0001,fourth:key-fourth-0001';

async function upload(url: string, body: Buffer, headers: Record<string, string>) {
  const response = await fetch(`${url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body,
  });
  const image = (await response.json()) as { id: string; bytes: number };
  expect(response.status, JSON.stringify(image)).toBe(201);
  return image;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

async function stats(url: string, headers: Record<string, string>, query = ''): Promise<StatsReport> {
  const response = await fetch(`${url}/v1/stats${query}`, { headers });
  const body = (await response.json()) as StatsReport;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

const row = (report: StatsReport, format: string): StatsRow | undefined => report.rows.find((entry) => entry.format === format);

/** The same scenario on every catalog backend. */
function describeStats(name: string, env: () => Record<string, string>, options: { skip?: boolean } = {}) {
  describe.skipIf(options.skip === true)(`GET /v1/stats on ${name}`, () => {
    let origin: TestOrigin;
    beforeAll(async () => {
      // A long flush interval: what the test sees comes from the flush that /v1/stats does itself.
      origin = await startTestOrigin({ API_KEYS: apiKeys, STATS_FLUSH_MS: '600000', ...env() });
    });
    afterAll(async () => {
      await origin?.destroy();
    });

    it("counts the tenant's uploads, renders and deliveries (bytes sent) by day and format", async () => {
      const png = await upload(
        origin.url,
        await sharp({ create: { width: 120, height: 80, channels: 3, background: '#3366cc' } })
          .png()
          .toBuffer(),
        acme,
      );
      const jpeg = await upload(
        origin.url,
        await sharp({ create: { width: 90, height: 60, channels: 3, background: '#cc6633' } })
          .jpeg()
          .toBuffer(),
        acme,
      );
      await upload(
        origin.url,
        await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
          .png()
          .toBuffer(),
        other,
      );

      const original = await get(`${origin.url}/img/${png.id}`);
      const first = await get(`${origin.url}/img/${png.id}/w_60,f_webp`);
      const again = await get(`${origin.url}/img/${png.id}/f_webp,w_60/name.webp`);
      const concurrent = await Promise.all([1, 2, 3].map(() => get(`${origin.url}/img/${jpeg.id}/w_30`)));
      const notModified = await get(`${origin.url}/img/${png.id}`, { 'if-none-match': original.headers.get('etag') ?? '' });
      expect([original.status, first.status, again.status, ...concurrent.map((r) => r.status), notModified.status]).toEqual([
        200, 200, 200, 200, 200, 200, 304,
      ]);
      expect(first.headers.get('x-variant-source')).toBe('render');
      expect(again.headers.get('x-variant-source')).toBe('memory');
      expect(await get(`${origin.url}/img/${png.id}/w_0`)).toMatchObject({ status: 400 });
      // HEAD answers with a GET's headers and no body: not a delivery (the counts below leave them out).
      const heads = await Promise.all(
        [`${origin.url}/img/${png.id}`, `${origin.url}/img/${png.id}/w_60,f_webp`].map((url) => fetch(url, { method: 'HEAD' })),
      );
      expect(heads.map((response) => response.status)).toEqual([200, 200]);
      expect(heads.map((response) => response.headers.get('content-length'))).toEqual([
        String(original.body.length),
        String(first.body.length),
      ]);

      const report = await stats(origin.url, acme);
      const today = new Date().toISOString().slice(0, 10);
      expect(report.to).toBe(today);
      expect(report.rows.every((entry) => entry.day === today)).toBe(true);
      expect(row(report, 'png')).toEqual({
        day: today,
        format: 'png',
        uploads: { count: 1, bytes: png.bytes },
        renders: { count: 0, bytes: 0, cpuMs: 0 },
        deliveries: { count: 1, bytes: original.body.length },
        edge: { hits: 0, misses: 0, hitRatio: null },
      });
      expect(row(report, 'webp')).toMatchObject({
        day: today,
        format: 'webp',
        uploads: { count: 0, bytes: 0 },
        renders: { count: 1, bytes: first.body.length },
        deliveries: { count: 2, bytes: first.body.length + again.body.length },
      });
      // A render costs CPU; the estimate is whole milliseconds (0 for a very small one).
      expect(row(report, 'webp')?.renders.cpuMs).toBeGreaterThanOrEqual(0);
      // Three concurrent requests for one variant share one render (single flight) but are three deliveries.
      const jpegBytes = concurrent.reduce((sum, response) => sum + response.body.length, 0);
      expect(row(report, 'jpeg')).toMatchObject({
        uploads: { count: 1, bytes: jpeg.bytes },
        renders: { count: 1 },
        deliveries: { count: 3, bytes: jpegBytes },
      });
      expect(report.totals).toMatchObject({
        uploads: { count: 2, bytes: png.bytes + jpeg.bytes },
        renders: { count: 2, bytes: first.body.length + (row(report, 'jpeg')?.renders.bytes ?? NaN) },
        deliveries: { count: 6, bytes: original.body.length + first.body.length + again.body.length + jpegBytes },
      });

      const theirs = await stats(origin.url, other);
      expect(theirs.rows).toEqual([
        expect.objectContaining({ format: 'png', uploads: expect.objectContaining({ count: 1 }), deliveries: { count: 0, bytes: 0 } }),
      ]);
      // A range before today holds nothing.
      expect((await stats(origin.url, acme, '?from=2020-01-01&to=2020-01-31')).rows).toEqual([]);
    });

    it('groups by preset, week and month, and answers the same rows as CSV', async () => {
      const image = await upload(
        origin.url,
        await sharp({ create: { width: 300, height: 300, channels: 3, background: '#22aa55' } })
          .jpeg()
          .toBuffer(),
        third,
      );
      const thumb = await get(`${origin.url}/img/${image.id}/t_thumb`);
      const thumbAgain = await get(`${origin.url}/img/${image.id}/t_thumb,q_80`);
      const plain = await get(`${origin.url}/img/${image.id}/w_50`);
      expect([thumb.status, thumbAgain.status, plain.status]).toEqual([200, 200, 200]);

      const presets = await stats(origin.url, third, '?groupBy=preset');
      expect(presets.groupBy).toEqual(['preset']);
      expect(presets.rows.map((entry) => [entry.preset, entry.uploads.count, entry.renders.count, entry.deliveries.count])).toEqual([
        [null, 1, 1, 1],
        ['thumb', 0, 2, 2],
      ]);
      const today = new Date().toISOString().slice(0, 10);
      const months = await stats(origin.url, third, '?groupBy=month,format');
      expect(months.rows.map((entry) => [entry.month, entry.format])).toEqual([[today.slice(0, 7), 'jpeg']]);
      const weeks = await stats(origin.url, third, '?groupBy=week');
      expect(weeks.rows).toHaveLength(1);
      expect(weeks.rows[0]?.week).toMatch(/^\d{4}-W\d{2}$/);
      expect(weeks.rows[0]?.deliveries.bytes).toBe(thumb.body.length + thumbAgain.body.length + plain.body.length);

      for (const [query, headers] of [
        ['?groupBy=preset&format=csv', third],
        ['?groupBy=preset', { ...third, accept: 'text/csv' }],
      ] as const) {
        const response = await fetch(`${origin.url}/v1/stats${query}`, { headers });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        const lines = (await response.text()).split('\r\n');
        expect(lines[0]).toBe(
          'preset,uploads,upload_bytes,renders,render_bytes,render_cpu_ms,deliveries,delivery_bytes,edge_hits,edge_misses,edge_hit_ratio',
        );
        const cells = presets.rows.map((entry) =>
          [
            entry.preset ?? '',
            entry.uploads.count,
            entry.uploads.bytes,
            entry.renders.count,
            entry.renders.bytes,
            entry.renders.cpuMs,
            entry.deliveries.count,
            entry.deliveries.bytes,
            0,
            0,
            '',
          ].join(','),
        );
        expect(lines).toEqual([lines[0], ...cells, '']);
      }
    });

    it('counts the renders of eager presets under their preset', async () => {
      const body = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#aa2255' } })
        .png()
        .toBuffer();
      const response = await fetch(`${origin.url}/v1/images?eager=thumb,card`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', ...fourth },
        body,
      });
      expect(response.status).toBe(201);
      const rows = await waitFor(
        async () => {
          const report = await stats(origin.url, fourth, '?groupBy=preset');
          return report.rows.filter((entry) => entry.renders.count > 0).length === 2 ? report.rows : undefined;
        },
        20_000,
        'the eager renders',
      );
      expect(rows.map((entry) => [entry.preset, entry.uploads.count, entry.renders.count])).toEqual([
        [null, 1, 0],
        ['card', 0, 1],
        ['thumb', 0, 1],
      ]);
    });

    it('answers bad ranges with 400 invalid_request and needs an API key', async () => {
      for (const query of [
        '?from=2026-13-01',
        '?to=tomorrow',
        '?from=2026-03-02&to=2026-03-01',
        '?from=2020-01-01&to=2026-01-01',
        '?groupBy=hour',
        '?groupBy=day,day',
        '?groupBy=tenant',
        '?format=xml',
      ]) {
        const response = await fetch(`${origin.url}/v1/stats${query}`, { headers: acme });
        expect(response.status, query).toBe(400);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(await response.json()).toMatchObject({ code: 'invalid_request' });
      }
      expect((await fetch(`${origin.url}/v1/stats`)).status).toBe(401);
    });
  });
}

describeStats('SQLite', () => ({}));

describe('usage counts across a restart (SQLite)', () => {
  it('writes pending counts at shutdown', async () => {
    const first = await startTestOrigin({ STATS_FLUSH_MS: '600000' });
    const png = await upload(
      first.url,
      await sharp({ create: { width: 20, height: 20, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
      {},
    );
    expect((await get(`${first.url}/img/${png.id}/w_10`)).status).toBe(200);
    await first.close(); // keeps the data dir
    const second = await startTestOrigin({ DATA_DIR: first.dataDir });
    try {
      const report = await stats(second.url, {});
      expect(row(report, 'png')).toMatchObject({ uploads: { count: 1 }, renders: { count: 1 }, deliveries: { count: 1 } });
    } finally {
      await second.destroy();
    }
  });
});

const schema = testSchema('pf_stats', 'stats on PostgreSQL');
const pgAvailable = await schema.create();
if (pgAvailable) afterAll(() => schema.drop());

describeStats('PostgreSQL', () => ({ DATABASE_URL: schema.url() }), { skip: !pgAvailable });
