import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase, type Database } from '../catalog/index.ts';
import { createLogger } from '../logger.ts';
import type { StatsDimension } from './api-schema.ts';
import { isoWeek } from './periods.ts';
import { statsRange, statsReport } from './stats-report.ts';
import { UsageCounter } from './usage-counter.ts';

const opened: Kysely<Database>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

const at = (day: string) => new Date(`${day}T12:00:00Z`);
const range = { from: '2026-02-01', to: '2026-03-31' };

/**
 * acme: uploads on 2026-02-27 (Friday, W09) and 2026-03-02 (Monday, W10); renders and deliveries
 * with and without the preset `thumb`; edge hits and misses; `other` has one upload.
 */
async function usage(): Promise<Kysely<Database>> {
  const db = openDatabase('sqlite://:memory:');
  opened.push(db);
  await migrateToLatest(db);
  await db
    .insertInto('upload_counts')
    .values([
      { day: '2026-02-27', tenant: 'acme', format: 'jpeg', count: 2, bytes: 2000 },
      { day: '2026-03-02', tenant: 'acme', format: 'png', count: 1, bytes: 500 },
      { day: '2026-03-02', tenant: 'other', format: 'png', count: 1, bytes: 9 },
      { day: '2026-01-31', tenant: 'acme', format: 'png', count: 5, bytes: 5 }, // outside the range
    ])
    .execute();
  const counter = new UsageCounter(db, { logger: createLogger('silent'), flushMs: 60_000 });
  counter.countRender({ tenant: 'acme', format: 'webp', preset: 'thumb', bytes: 300, cpuUs: 2_400 }, at('2026-02-27'));
  counter.countRender({ tenant: 'acme', format: 'webp', preset: undefined, bytes: 700, cpuUs: 1_200 }, at('2026-03-02'));
  counter.countDelivery({ tenant: 'acme', imageId: 'imageA01', format: 'webp', preset: 'thumb', bytes: 300 }, at('2026-02-27'));
  counter.countDelivery({ tenant: 'acme', imageId: 'imageA01', format: 'jpeg', preset: undefined, bytes: 1000 }, at('2026-03-02'));
  await counter.recordEdge([
    {
      tenant: 'acme',
      imageId: 'imageA01',
      day: '2026-03-02',
      format: 'webp',
      preset: 'thumb',
      hits: 3,
      hitBytes: 900,
      misses: 1,
    },
  ]);
  await counter.flush();
  return db;
}

const report = (db: Kysely<Database>, groupBy: StatsDimension[], scope: { tenant: string | undefined } = { tenant: 'acme' }) =>
  statsReport(db, scope, range, groupBy);
const everyTenant = { tenant: undefined };

describe('stats report', () => {
  it('groups by day and format by default (the route passes that default)', async () => {
    const db = await usage();
    const { rows, totals, groupBy } = await report(db, ['format', 'day']);
    expect(groupBy).toEqual(['day', 'format']); // the report's own order, whatever the query's
    expect(rows.map((row) => [row.day, row.format, row.uploads.count, row.renders.count, row.deliveries.count])).toEqual([
      ['2026-02-27', 'jpeg', 2, 0, 0],
      ['2026-02-27', 'webp', 0, 1, 1],
      ['2026-03-02', 'jpeg', 0, 0, 1],
      ['2026-03-02', 'png', 1, 0, 0],
      // One origin delivery... none here: three edge hits are deliveries the origin never saw.
      ['2026-03-02', 'webp', 0, 1, 3],
    ]);
    expect(rows[0]).toEqual({
      day: '2026-02-27',
      format: 'jpeg',
      uploads: { count: 2, bytes: 2000 },
      renders: { count: 0, bytes: 0, cpuMs: 0 },
      deliveries: { count: 0, bytes: 0 },
      edge: { hits: 0, misses: 0, hitRatio: null },
    });
    expect(rows[4]?.edge).toEqual({ hits: 3, misses: 1, hitRatio: 0.75 });
    expect(totals).toEqual({
      uploads: { count: 3, bytes: 2500 },
      renders: { count: 2, bytes: 1000, cpuMs: 4 }, // 2.4 + 1.2 ms
      deliveries: { count: 5, bytes: 300 + 1000 + 900 },
      edge: { hits: 3, misses: 1, hitRatio: 0.75 },
    });
  });

  it('groups by ISO week and by month', async () => {
    const db = await usage();
    const weeks = await report(db, ['week']);
    expect(weeks.rows.map((row) => [row.week, row.uploads.count, row.renders.count, row.deliveries.count])).toEqual([
      ['2026-W09', 2, 1, 1],
      ['2026-W10', 1, 1, 4],
    ]);
    expect(weeks.rows[0]).not.toHaveProperty('day');
    const months = await report(db, ['month']);
    expect(months.rows.map((row) => [row.month, row.uploads.count, row.deliveries.bytes])).toEqual([
      ['2026-02', 2, 300],
      ['2026-03', 1, 1900],
    ]);
  });

  it('groups by format alone and by preset (uploads and plain URLs have none)', async () => {
    const db = await usage();
    const formats = await report(db, ['format']);
    expect(formats.rows.map((row) => [row.format, row.uploads.count, row.renders.cpuMs, row.deliveries.count])).toEqual([
      ['jpeg', 2, 0, 1],
      ['png', 1, 0, 0],
      ['webp', 0, 4, 4],
    ]);
    const presets = await report(db, ['preset']);
    expect(presets.rows).toEqual([
      {
        preset: null,
        uploads: { count: 3, bytes: 2500 },
        renders: { count: 1, bytes: 700, cpuMs: 1 },
        deliveries: { count: 1, bytes: 1000 },
        edge: { hits: 0, misses: 0, hitRatio: null },
      },
      {
        preset: 'thumb',
        uploads: { count: 0, bytes: 0 },
        renders: { count: 1, bytes: 300, cpuMs: 2 },
        deliveries: { count: 4, bytes: 1200 },
        edge: { hits: 3, misses: 1, hitRatio: 0.75 },
      },
    ]);
    const both = await report(db, ['preset', 'month']);
    expect(both.rows.map((row) => [row.month, row.preset])).toEqual([
      ['2026-02', null],
      ['2026-02', 'thumb'],
      ['2026-03', null],
      ['2026-03', 'thumb'],
    ]);
  });

  it('groups every tenant by tenant (the admin view), and keeps one tenant to itself', async () => {
    const db = await usage();
    const tenants = await report(db, ['tenant'], everyTenant);
    expect(tenants.rows.map((row) => [row.tenant, row.uploads.count, row.deliveries.count])).toEqual([
      ['acme', 3, 5],
      ['other', 1, 0],
    ]);
    expect((await report(db, ['tenant'], { tenant: 'other' })).rows.map((row) => row.tenant)).toEqual(['other']);
    // No dimension at all: one row with the totals.
    const all = await report(db, [], everyTenant);
    expect(all.rows).toHaveLength(1);
    expect(all.rows[0]).toEqual(all.totals);
  });

  it('numbers ISO weeks across year ends', () => {
    expect(isoWeek('2026-03-01')).toBe('2026-W09'); // a Sunday ends its week
    expect(isoWeek('2026-03-02')).toBe('2026-W10');
    expect(isoWeek('2027-01-01')).toBe('2026-W53'); // 2026 has 53 weeks (it starts on a Thursday)
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(isoWeek('2021-01-03')).toBe('2020-W53');
  });

  it('parses the range: defaults to the last 30 days, one end gives 30 days, bad input is invalid_request', () => {
    const now = new Date('2026-03-10T18:00:00Z');
    expect(statsRange({}, now)).toEqual({ from: '2026-02-09', to: '2026-03-10' });
    expect(statsRange({ from: '2026-01-01' }, now)).toEqual({ from: '2026-01-01', to: '2026-01-30' });
    expect(statsRange({ to: '2026-01-30' }, now)).toEqual({ from: '2026-01-01', to: '2026-01-30' });
    expect(statsRange({ from: '2025-03-10', to: '2026-03-10' }, now)).toEqual({ from: '2025-03-10', to: '2026-03-10' });
    for (const bad of [
      { from: '2026-02-30' },
      { from: '2026-3-1' },
      { to: 'yesterday' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2024-01-01', to: '2026-01-01' },
    ]) {
      expect(() => statsRange(bad, now), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    }
  });
});
