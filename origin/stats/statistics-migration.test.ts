import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { testSchema } from '../../test/helpers/postgres.ts';
import { migrateToLatest, migrations, openDatabase, type Database } from '../catalog/index.ts';
import type { UsageTables } from './schema.ts';

const pg = testSchema('pf_stats_migration', 'statistics migration on PostgreSQL');
const pgAvailable = await pg.create();
if (pgAvailable) afterAll(() => pg.drop());

function describeUpgrade(name: string, url: () => string, options: { skip?: boolean } = {}) {
  describe.skipIf(options.skip === true)(`0007-statistics on ${name}`, () => {
    it('keeps the usage rows of 0004 (with no preset and no CPU time) and counts the originals already stored', async () => {
      const db: Kysely<Database> = openDatabase(url());
      try {
        await migrateToLatest(
          db,
          migrations.filter((migration) => migration.name < '0007'),
        );
        await sql`insert into usage_counts (day, tenant, kind, format, count, bytes) values
          ('2026-03-01', 'acme', 'render', 'webp', 3, 300), ('2026-03-01', 'acme', 'delivery', 'webp', 9, 900)`.execute(db);
        await sql`insert into images (id, tenant, filename, format, width, height, bytes, sha256, frames, has_alpha, created_at)
          values ('imageOld01', 'acme', null, 'png', 10, 10, 1234, 'aa', 1, 0, 0)`.execute(db);

        expect(await migrateToLatest(db)).toContain('0007-statistics');
        const tables = db.withTables<UsageTables>();
        const usage = await tables.selectFrom('usage_counts').selectAll().orderBy('kind').execute();
        expect(usage.map((row) => ({ ...row, count: Number(row.count), bytes: Number(row.bytes), cpu_us: Number(row.cpu_us) }))).toEqual([
          { day: '2026-03-01', tenant: 'acme', kind: 'delivery', format: 'webp', preset: '', count: 9, bytes: 900, cpu_us: 0 },
          { day: '2026-03-01', tenant: 'acme', kind: 'render', format: 'webp', preset: '', count: 3, bytes: 300, cpu_us: 0 },
        ]);
        const storage = await tables.selectFrom('storage_counts').selectAll().execute();
        expect(storage.map((row) => ({ ...row, objects: Number(row.objects), bytes: Number(row.bytes) }))).toEqual([
          { image_id: 'imageOld01', kind: 'original', day: '', tenant: 'acme', objects: 1, bytes: 1234 },
        ]);
      } finally {
        await db.destroy();
      }
    });
  });
}

describeUpgrade('SQLite', () => 'sqlite://:memory:');
describeUpgrade('PostgreSQL', () => pg.url(), { skip: !pgAvailable });
