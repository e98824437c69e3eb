import { inspect } from 'node:util';
import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { createBatches } from '../batches/migration.ts';
import { createSessions } from '../sessions/migration.ts';
import { createStatistics, createUsageCounts } from '../stats/migration.ts';
import { createUploads, indexUploadsByTenant } from '../multipart/migration.ts';
import { addPerceptualHash, coverPerceptualHashBands } from '../similarity/migration.ts';
import { addEmbeddedMetadata, addUserMetadata, createImagesAndCounters } from './migration.ts';
import type { NamedMigration } from './named-migration.ts';
import { addSearch } from './search-migration.ts';

/**
 * The catalog schema as an ordered list of named migrations, run at start by `migrateToLatest`.
 * One convention: each module writes its migrations in its own `migration.ts` (typed with
 * named-migration.ts) and this list alone puts them in order. Never edit or reorder an applied
 * entry. The SQL is the portable subset of SQLite and PostgreSQL: text, integer and bigint
 * columns, booleans as 0/1 integers, times as epoch milliseconds.
 */

/** Every migration, oldest first. Append new ones at the end. */
export const migrations: readonly NamedMigration[] = [
  createImagesAndCounters,
  createBatches,
  createUploads,
  createUsageCounts,
  addUserMetadata,
  createSessions,
  createStatistics,
  indexUploadsByTenant,
  addEmbeddedMetadata,
  addSearch,
  addPerceptualHash,
  coverPerceptualHashBands,
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
