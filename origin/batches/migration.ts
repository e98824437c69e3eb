import type { Kysely } from 'kysely';
import type { NamedMigration } from '../catalog/named-migration.ts';

/** Batches and their items (SPEC section 4, `/v1/batches`); tables in batches/schema.ts, listed in catalog/migrations.ts. */
export const createBatches: NamedMigration = {
  name: '0002-batches',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('batches')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('total', 'integer', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('started_at', 'bigint')
      .execute();
    await db.schema.createIndex('batches_tenant_idx').ifNotExists().on('batches').columns(['tenant', 'created_at']).execute();
    // One row per variant of the batch; progress, errors and the archive listing are queries on it.
    await db.schema
      .createTable('batch_items')
      .ifNotExists()
      .addColumn('batch_id', 'text', (column) => column.notNull())
      .addColumn('seq', 'integer', (column) => column.notNull())
      .addColumn('image_id', 'text', (column) => column.notNull())
      .addColumn('canonical', 'text', (column) => column.notNull())
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('variant_key', 'text', (column) => column.notNull())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('state', 'text', (column) => column.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_detail', 'text')
      .addPrimaryKeyConstraint('batch_items_pkey', ['batch_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('batch_items_variant_key')
      .ifNotExists()
      .unique()
      .on('batch_items')
      .columns(['batch_id', 'variant_key'])
      .execute();
    // A job ({ batchId, imageId, canonical, format }) finds its item through this index.
    await db.schema
      .createIndex('batch_items_job_idx')
      .ifNotExists()
      .on('batch_items')
      .columns(['batch_id', 'image_id', 'canonical', 'format'])
      .execute();
    // Start-up finds the unfinished items of every batch.
    await db.schema.createIndex('batch_items_state_idx').ifNotExists().on('batch_items').columns(['state', 'batch_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('batch_items').ifExists().execute();
    await db.schema.dropTable('batches').ifExists().execute();
  },
};
