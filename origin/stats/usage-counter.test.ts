import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { KyselyCatalog, migrateToLatest, openDatabase, type Database } from '../catalog/index.ts';
import { createLogger } from '../logger.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import type { UsageTables } from './schema.ts';
import { statsRange, statsReport } from './stats-report.ts';
import { UsageCounter } from './usage-counter.ts';

const opened: Kysely<Database>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

async function database(migrate = true): Promise<Kysely<Database>> {
  const db = openDatabase('sqlite://:memory:');
  opened.push(db);
  if (migrate) await migrateToLatest(db);
  return db;
}

async function stored(db: Kysely<Database>) {
  const rows = await db
    .withTables<UsageTables>()
    .selectFrom('usage_counts')
    .selectAll()
    .orderBy('day')
    .orderBy('tenant')
    .orderBy('kind')
    .orderBy('format')
    .execute();
  return rows.map((row) => ({ ...row, count: Number(row.count), bytes: Number(row.bytes) }));
}

const silent = createLogger('silent');

describe('UsageCounter', () => {
  it('adds up in memory and writes nothing until a flush; flushes add to what is stored', async () => {
    const db = await database();
    const counter = new UsageCounter(db, { logger: silent, flushMs: 60_000 });
    counter.countRender('acme', 'webp', 100, new Date('2026-03-01T23:59:59Z'));
    counter.countRender('acme', 'webp', 50, new Date('2026-03-01T00:00:00Z'));
    counter.countDelivery('acme', 'webp', 100, new Date('2026-03-01T10:00:00Z'));
    counter.countDelivery('acme', 'webp', 100, new Date('2026-03-02T00:00:00Z'));
    counter.countDelivery('other', 'png', 7, new Date('2026-03-01T10:00:00Z'));
    expect(await stored(db)).toEqual([]);

    await counter.flush();
    counter.countRender('acme', 'webp', 1, new Date('2026-03-01T12:00:00Z'));
    await counter.flush();
    await counter.flush(); // nothing pending: no change
    expect(await stored(db)).toEqual([
      { day: '2026-03-01', tenant: 'acme', kind: 'delivery', format: 'webp', count: 1, bytes: 100 },
      { day: '2026-03-01', tenant: 'acme', kind: 'render', format: 'webp', count: 3, bytes: 151 },
      { day: '2026-03-01', tenant: 'other', kind: 'delivery', format: 'png', count: 1, bytes: 7 },
      { day: '2026-03-02', tenant: 'acme', kind: 'delivery', format: 'webp', count: 1, bytes: 100 },
    ]);
  });

  it('sums the flushes of several counters (replicas) into one row', async () => {
    const db = await database();
    const replicas = [1, 2, 3].map(() => new UsageCounter(db, { logger: silent, flushMs: 60_000 }));
    const at = new Date('2026-04-01T08:00:00Z');
    replicas.forEach((counter, index) => {
      for (let n = 0; n <= index; n += 1) counter.countDelivery('acme', 'avif', 3_000_000_000, at);
    });
    await Promise.all(replicas.map((counter) => counter.flush()));
    expect(await stored(db)).toEqual([
      { day: '2026-04-01', tenant: 'acme', kind: 'delivery', format: 'avif', count: 6, bytes: 18_000_000_000 },
    ]);
  });

  it('keeps the counts of a failed flush and writes them with the next one', async () => {
    const db = await database(false); // no usage_counts table yet: the flush fails
    const lines: string[] = [];
    const counter = new UsageCounter(db, { logger: createLogger('warn', (line) => lines.push(line)), flushMs: 60_000 });
    const at = new Date('2026-05-05T05:05:05Z');
    counter.countRender('acme', 'jpeg', 10, at);
    await expect(counter.flush()).resolves.toBeUndefined();
    expect(lines.join('\n')).toMatch(/usage counts not flushed/);
    counter.countRender('acme', 'jpeg', 5, at);
    await migrateToLatest(db);
    await counter.flush();
    expect(await stored(db)).toEqual([{ day: '2026-05-05', tenant: 'acme', kind: 'render', format: 'jpeg', count: 2, bytes: 15 }]);
  });

  it('flushes on its timer and at close', async () => {
    const db = await database();
    const counter = new UsageCounter(db, { logger: silent, flushMs: 100 });
    counter.start();
    counter.countDelivery('acme', 'gif', 1);
    await waitFor(async () => ((await stored(db)).length === 1 ? true : undefined), 5_000, 'the timed flush');
    counter.countDelivery('acme', 'gif', 2);
    await counter.close();
    expect((await stored(db)).map((row) => [row.count, row.bytes])).toEqual([[2, 3]]);
  });
});

describe('stats report', () => {
  it('merges uploads with renders and deliveries per day and format, within the range, for one tenant', async () => {
    const db = await database();
    const counter = new UsageCounter(db, { logger: silent, flushMs: 60_000 });
    await db
      .insertInto('upload_counts')
      .values([
        { day: '2026-03-01', tenant: 'acme', format: 'jpeg', count: 2, bytes: 2000 },
        { day: '2026-02-28', tenant: 'acme', format: 'jpeg', count: 1, bytes: 1 },
        { day: '2026-03-01', tenant: 'other', format: 'jpeg', count: 9, bytes: 9 },
      ])
      .execute();
    counter.countRender('acme', 'jpeg', 300, new Date('2026-03-01T01:00:00Z'));
    counter.countDelivery('acme', 'webp', 40, new Date('2026-03-02T01:00:00Z'));
    counter.countDelivery('acme', 'webp', 40, new Date('2026-03-04T01:00:00Z'));
    await counter.flush();
    const report = await statsReport(new KyselyCatalog(db), db, 'acme', { from: '2026-03-01', to: '2026-03-03' });
    expect(report).toEqual({
      from: '2026-03-01',
      to: '2026-03-03',
      days: [
        {
          day: '2026-03-01',
          format: 'jpeg',
          uploads: { count: 2, bytes: 2000 },
          renders: { count: 1, bytes: 300 },
          deliveries: { count: 0, bytes: 0 },
        },
        {
          day: '2026-03-02',
          format: 'webp',
          uploads: { count: 0, bytes: 0 },
          renders: { count: 0, bytes: 0 },
          deliveries: { count: 1, bytes: 40 },
        },
      ],
      totals: { uploads: { count: 2, bytes: 2000 }, renders: { count: 1, bytes: 300 }, deliveries: { count: 1, bytes: 40 } },
    });
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
