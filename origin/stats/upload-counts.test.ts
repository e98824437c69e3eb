import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { testSchema } from '../../test/helpers/postgres.ts';
import { migrateToLatest, openDatabase, type Database } from '../catalog/index.ts';
import { countUpload } from './upload-counts.ts';

/** The stored counters of a tenant by day then format, within an inclusive day range when given. */
async function uploadCounts(db: Kysely<Database>, tenant: string, days?: { from: string; to: string }) {
  let query = db.selectFrom('upload_counts').selectAll().where('tenant', '=', tenant);
  if (days) query = query.where('day', '>=', days.from).where('day', '<=', days.to);
  const rows = await query.orderBy('day', 'asc').orderBy('format', 'asc').execute();
  return rows.map((row) => ({ ...row, count: Number(row.count), bytes: Number(row.bytes) }));
}

const pg = testSchema('pf_upload_counts', 'upload counts on PostgreSQL');
const pgAvailable = await pg.create();
const opened: Kysely<Database>[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
  if (pgAvailable) await pg.drop();
});

const newTenant = () => `t-${randomUUID()}`;

/** The same SQL on both catalog backends: the upsert adds, so concurrent uploads all count. */
for (const backend of ['sqlite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !pgAvailable)(`upload counts (${backend})`, () => {
    const open = async () => {
      const db = openDatabase(backend === 'sqlite' ? 'sqlite://:memory:' : pg.url());
      opened.push(db);
      await migrateToLatest(db);
      return db;
    };

    it('counts uploads per UTC day, tenant and format', async () => {
      const db = await open();
      const tenant = newTenant();
      const other = newTenant();
      await countUpload(db, tenant, 'png', 100, new Date('2026-03-01T23:59:59.999Z'));
      await countUpload(db, tenant, 'png', 50, new Date('2026-03-01T00:00:00.000Z'));
      await countUpload(db, tenant, 'jpeg', 7, new Date('2026-03-01T12:00:00+02:00'));
      await countUpload(db, tenant, 'png', 1, new Date('2026-03-02T00:00:00.000Z'));
      await countUpload(db, other, 'png', 999, new Date('2026-03-01T10:00:00.000Z'));
      await Promise.all(Array.from({ length: 20 }, () => countUpload(db, tenant, 'webp', 3_000_000_000, new Date('2026-03-02T05:00:00Z'))));
      await countUpload(db, tenant, 'gif', 5);

      const today = new Date().toISOString().slice(0, 10);
      expect(await uploadCounts(db, tenant)).toEqual([
        { day: '2026-03-01', tenant, format: 'jpeg', count: 1, bytes: 7 },
        { day: '2026-03-01', tenant, format: 'png', count: 2, bytes: 150 },
        { day: '2026-03-02', tenant, format: 'png', count: 1, bytes: 1 },
        { day: '2026-03-02', tenant, format: 'webp', count: 20, bytes: 60_000_000_000 },
        { day: today, tenant, format: 'gif', count: 1, bytes: 5 },
      ]);
      expect(await uploadCounts(db, other)).toEqual([{ day: '2026-03-01', tenant: other, format: 'png', count: 1, bytes: 999 }]);
      expect(await uploadCounts(db, newTenant())).toEqual([]);
      expect((await uploadCounts(db, tenant, { from: '2026-03-02', to: '2026-03-02' })).map((row) => row.format)).toEqual(['png', 'webp']);
    });
  });
}
