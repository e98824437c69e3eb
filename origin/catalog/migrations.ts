import { inspect } from 'node:util';
import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { createSessions } from '../sessions/migration.ts';
import { createStatistics, createUsageCounts } from '../stats/migration.ts';
import { createUploads } from '../multipart/migration.ts';
import { addUserMetadata } from './user-metadata-migration.ts';

/**
 * The catalog schema as an ordered list of named migrations, run at start by `migrateToLatest`.
 * Later issues append to this list (uploads, batches); never edit or reorder an applied entry.
 * The SQL is the portable subset of SQLite and PostgreSQL: text, integer and bigint columns,
 * booleans as 0/1 integers, times as epoch milliseconds.
 */
export interface NamedMigration extends Migration {
  /** Kysely applies migrations in name order, so names start with a zero-padded number. */
  name: string;
}

// Migrations only use the schema builder, which does not depend on the table types.
type AnyDatabase = Kysely<unknown>;

const createImagesAndCounters: NamedMigration = {
  name: '0001-images-and-upload-counts',
  async up(db: AnyDatabase) {
    await db.schema
      .createTable('images')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('filename', 'text')
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('width', 'integer', (column) => column.notNull())
      .addColumn('height', 'integer', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      .addColumn('sha256', 'text', (column) => column.notNull())
      .addColumn('frames', 'integer', (column) => column.notNull())
      .addColumn('has_alpha', 'integer', (column) => column.notNull())
      .addColumn('orientation', 'integer')
      .addColumn('blurhash', 'text')
      .addColumn('dominant_color', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();
    // The target of insertImage's ON CONFLICT: one image per tenant and content.
    await db.schema.createIndex('images_tenant_sha256_key').ifNotExists().unique().on('images').columns(['tenant', 'sha256']).execute();
    // Serves listImages' newest-first keyset pagination without a sort.
    await db.schema
      .createIndex('images_tenant_created_idx')
      .ifNotExists()
      .on('images')
      .columns(['tenant', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('upload_counts')
      .ifNotExists()
      .addColumn('day', 'text', (column) => column.notNull())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('count', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('upload_counts_pkey', ['day', 'tenant', 'format'])
      .execute();
    await db.schema.createIndex('upload_counts_tenant_day_idx').ifNotExists().on('upload_counts').columns(['tenant', 'day']).execute();
  },
  async down(db: AnyDatabase) {
    await db.schema.dropTable('upload_counts').ifExists().execute();
    await db.schema.dropTable('images').ifExists().execute();
  },
};

const createBatches: NamedMigration = {
  name: '0002-batches',
  async up(db: AnyDatabase) {
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
  async down(db: AnyDatabase) {
    await db.schema.dropTable('batch_items').ifExists().execute();
    await db.schema.dropTable('batches').ifExists().execute();
  },
};

/** Every migration, oldest first. Append new ones at the end. */
export const migrations: readonly NamedMigration[] = [
  createImagesAndCounters,
  createBatches,
  createUploads,
  createUsageCounts,
  addUserMetadata,
  createSessions,
  createStatistics,
];

/** Serves a fixed list to Kysely's Migrator, refusing a list whose order differs from name order. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly list: readonly NamedMigration[]) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const names = this.list.map((migration) => migration.name);
    const sorted = [...names].sort();
    if (new Set(names).size !== names.length || names.some((name, index) => name !== sorted[index])) {
      throw new Error(`catalog migrations must have unique names in ascending order: ${names.join(', ')}`);
    }
    return Object.fromEntries(this.list.map(({ name, ...migration }) => [name, migration]));
  }
}

/**
 * Applies the pending migrations; a no-op on an up-to-date database. Safe when several origins
 * start at once on PostgreSQL (Kysely takes an advisory lock and migrates in a transaction).
 * Returns the names applied by this call.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, list: readonly NamedMigration[] = migrations): Promise<string[]> {
  let results: Awaited<ReturnType<Migrator['migrateToLatest']>>['results'] = [];
  let error: unknown;
  try {
    // On PostgreSQL the migration tables must be looked up in our own schema: Kysely otherwise
    // takes a `kysely_migration_lock` of another schema in the same database for ours.
    const schema = db.getExecutor().adapter instanceof PostgresAdapter ? await currentSchema(db) : undefined;
    const migrator = new Migrator({ db, provider: new StaticMigrationProvider(list), ...(schema ? { migrationTableSchema: schema } : {}) });
    ({ error, results = [] } = await migrator.migrateToLatest());
  } catch (thrown) {
    error = thrown;
  }
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const what = failed === undefined ? 'catalog migrations' : `catalog migration ${failed.migrationName}`;
    throw new Error(`${what} failed: ${error instanceof Error ? error.message : inspect(error)}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** The schema new tables land in (the first of search_path), as PostgreSQL resolves it. */
async function currentSchema<DB>(db: Kysely<DB>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
