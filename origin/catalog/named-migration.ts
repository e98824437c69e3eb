import type { Migration } from 'kysely';

/**
 * One step of the catalog schema. Each module keeps its own in `<module>/migration.ts` (catalog,
 * batches, multipart, stats, sessions) and imports this type from here, never the list
 * (catalog/migrations.ts), which imports them: so the arrows only point one way.
 */
export interface NamedMigration extends Migration {
  /** Kysely applies migrations in name order, so names start with a zero-padded number. */
  name: string;
}
