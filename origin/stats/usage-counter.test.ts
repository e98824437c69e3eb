import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest, openDatabase, type Database } from '../catalog/index.ts';
import { createLogger } from '../logger.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import type { UsageTables } from './schema.ts';
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
  return rows.map((row) => ({ ...row, count: Number(row.count), bytes: Number(row.bytes), cpu_us: Number(row.cpu_us) }));
}

const silent = createLogger('silent');
const render = (tenant: string, format: string, bytes: number) => ({ tenant, format, preset: undefined, bytes, cpuUs: 0 });
const delivery = (tenant: string, format: string, bytes: number) => ({ tenant, imageId: 'image0001', format, preset: undefined, bytes });
/** A stored row of usage_counts without a preset or CPU time (as the tests before presets wrote them). */
const plain = (row: { day: string; tenant: string; kind: string; format: string; count: number; bytes: number }) => ({
  ...row,
  preset: '',
  cpu_us: 0,
});

describe('UsageCounter', () => {
  it('adds up in memory and writes nothing until a flush; flushes add to what is stored', async () => {
    const db = await database();
    const counter = new UsageCounter(db, { logger: silent, flushMs: 60_000 });
    counter.countRender(render('acme', 'webp', 100), new Date('2026-03-01T23:59:59Z'));
    counter.countRender(render('acme', 'webp', 50), new Date('2026-03-01T00:00:00Z'));
    counter.countDelivery(delivery('acme', 'webp', 100), new Date('2026-03-01T10:00:00Z'));
    counter.countDelivery(delivery('acme', 'webp', 100), new Date('2026-03-02T00:00:00Z'));
    counter.countDelivery(delivery('other', 'png', 7), new Date('2026-03-01T10:00:00Z'));
    expect(await stored(db)).toEqual([]);

    await counter.flush();
    counter.countRender(render('acme', 'webp', 1), new Date('2026-03-01T12:00:00Z'));
    await counter.flush();
    await counter.flush(); // nothing pending: no change
    expect(await stored(db)).toEqual([
      plain({ day: '2026-03-01', tenant: 'acme', kind: 'delivery', format: 'webp', count: 1, bytes: 100 }),
      plain({ day: '2026-03-01', tenant: 'acme', kind: 'render', format: 'webp', count: 3, bytes: 151 }),
      plain({ day: '2026-03-01', tenant: 'other', kind: 'delivery', format: 'png', count: 1, bytes: 7 }),
      plain({ day: '2026-03-02', tenant: 'acme', kind: 'delivery', format: 'webp', count: 1, bytes: 100 }),
    ]);
  });

  it('sums the flushes of several counters (replicas) into one row', async () => {
    const db = await database();
    const replicas = [1, 2, 3].map(() => new UsageCounter(db, { logger: silent, flushMs: 60_000 }));
    const at = new Date('2026-04-01T08:00:00Z');
    replicas.forEach((counter, index) => {
      for (let n = 0; n <= index; n += 1) counter.countDelivery(delivery('acme', 'avif', 3_000_000_000), at);
    });
    await Promise.all(replicas.map((counter) => counter.flush()));
    expect(await stored(db)).toEqual([
      plain({ day: '2026-04-01', tenant: 'acme', kind: 'delivery', format: 'avif', count: 6, bytes: 18_000_000_000 }),
    ]);
  });

  it('keeps the counts of a failed flush and writes them with the next one', async () => {
    const db = await database(false); // no usage_counts table yet: the flush fails
    const lines: string[] = [];
    const counter = new UsageCounter(db, { logger: createLogger('warn', (line) => lines.push(line)), flushMs: 60_000 });
    const at = new Date('2026-05-05T05:05:05Z');
    counter.countRender(render('acme', 'jpeg', 10), at);
    await expect(counter.flush()).resolves.toBeUndefined();
    expect(lines.join('\n')).toMatch(/usage counts not flushed/);
    counter.countRender(render('acme', 'jpeg', 5), at);
    await migrateToLatest(db);
    await counter.flush();
    expect(await stored(db)).toEqual([plain({ day: '2026-05-05', tenant: 'acme', kind: 'render', format: 'jpeg', count: 2, bytes: 15 })]);
  });

  it('writes edge counters before it resolves, and none of a send whose write fails', async () => {
    const db = await database();
    const counter = new UsageCounter(db, { logger: silent, flushMs: 60_000 });
    const edge = {
      tenant: 'acme',
      imageId: 'image0001',
      day: '2026-06-01',
      format: 'webp',
      preset: 'thumb',
      hits: 4,
      hitBytes: 400,
      misses: 1,
    };
    await counter.recordEdge([edge, { ...edge, hits: 0, hitBytes: 0, misses: 2 }]);
    // No flush: a 202 means stored.
    const thumb = (row: { kind: string; count: number; bytes: number }) => ({
      ...row,
      day: '2026-06-01',
      tenant: 'acme',
      format: 'webp',
      preset: 'thumb',
      cpu_us: 0,
    });
    expect(await stored(db)).toEqual([thumb({ kind: 'edge_hit', count: 4, bytes: 400 }), thumb({ kind: 'edge_miss', count: 3, bytes: 0 })]);

    // The second table of the transaction is missing: the first one's rows are rolled back.
    await sql`drop table image_delivery_counts`.execute(db);
    await expect(counter.recordEdge([edge])).rejects.toThrow();
    expect((await stored(db)).map((row) => [row.kind, row.count])).toEqual([
      ['edge_hit', 4],
      ['edge_miss', 3],
    ]);
    await expect(counter.recordEdge([])).resolves.toBeUndefined();
  });

  it('flushes on its timer and at close', async () => {
    const db = await database();
    const counter = new UsageCounter(db, { logger: silent, flushMs: 100 });
    counter.start();
    counter.countDelivery(delivery('acme', 'gif', 1));
    await waitFor(async () => ((await stored(db)).length === 1 ? true : undefined), 5_000, 'the timed flush');
    counter.countDelivery(delivery('acme', 'gif', 2));
    await counter.close();
    expect((await stored(db)).map((row) => [row.count, row.bytes])).toEqual([[2, 3]]);
  });
});
