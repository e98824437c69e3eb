import type { Kysely } from 'kysely';
import type { NamedMigration } from '../catalog/migrations.ts';

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
