import { sql, type Kysely } from 'kysely';
import type { NamedMigration } from '../catalog/named-migration.ts';

/** Counters of renders and deliveries for GET /v1/stats; listed in catalog/migrations.ts. */
export const createUsageCounts: NamedMigration = {
  name: '0004-usage-counts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('usage_counts')
      .ifNotExists()
      .addColumn('day', 'text', (column) => column.notNull())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('count', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      // The target of the flush's additive upsert; tenant first, so it also serves the stats range query.
      .addPrimaryKeyConstraint('usage_counts_pkey', ['tenant', 'day', 'kind', 'format'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('usage_counts').ifExists().execute();
  },
};

/**
 * Statistics by preset with render CPU time, edge counts, the most delivered images and storage
 * counters (issue 16). `usage_counts` gains `preset` and `cpu_us`, which enter its key, so the
 * table is rebuilt: existing rows are copied with no preset and no CPU time. Storage counters
 * start from the images' originals; mezzanines and variants written before this migration are not
 * known without listing the bucket and are counted from their next write.
 */
export const createStatistics: NamedMigration = {
  name: '0007-statistics',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('usage_counts').renameTo('usage_counts_0004').execute();
    await db.schema
      .createTable('usage_counts')
      .addColumn('day', 'text', (column) => column.notNull())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('preset', 'text', (column) => column.notNull())
      .addColumn('count', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      .addColumn('cpu_us', 'bigint', (column) => column.notNull())
      // A new name: on PostgreSQL the renamed table's usage_counts_pkey index keeps its name until dropped.
      .addPrimaryKeyConstraint('usage_counts_preset_pkey', ['tenant', 'day', 'kind', 'format', 'preset'])
      .execute();
    await sql`insert into usage_counts (day, tenant, kind, format, preset, count, bytes, cpu_us)
      select day, tenant, kind, format, '', count, bytes, 0 from usage_counts_0004`.execute(db);
    await db.schema.dropTable('usage_counts_0004').execute();

    await db.schema
      .createTable('image_delivery_counts')
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('day', 'text', (column) => column.notNull())
      .addColumn('image_id', 'text', (column) => column.notNull())
      .addColumn('count', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      // Tenant and day first: `top` sums one tenant's range.
      .addPrimaryKeyConstraint('image_delivery_counts_pkey', ['tenant', 'day', 'image_id'])
      .execute();

    await db.schema
      .createTable('storage_counts')
      .addColumn('image_id', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('day', 'text', (column) => column.notNull())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('objects', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      // Image first: deleting an image drops its counters in one range.
      .addPrimaryKeyConstraint('storage_counts_pkey', ['image_id', 'kind', 'day'])
      .execute();
    await db.schema.createIndex('storage_counts_tenant_idx').on('storage_counts').columns(['tenant', 'kind']).execute();
    await sql`insert into storage_counts (image_id, kind, day, tenant, objects, bytes)
      select id, 'original', '', tenant, 1, bytes from images`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('storage_counts').ifExists().execute();
    await db.schema.dropTable('image_delivery_counts').ifExists().execute();
    await db.schema.alterTable('usage_counts').renameTo('usage_counts_0007').execute();
    await createUsageCounts.up(db);
    await sql`insert into usage_counts (day, tenant, kind, format, count, bytes)
      select day, tenant, kind, format, sum(count), sum(bytes) from usage_counts_0007
      where kind in ('render', 'delivery') group by day, tenant, kind, format`.execute(db);
    await db.schema.dropTable('usage_counts_0007').execute();
  },
};
