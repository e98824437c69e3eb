import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { KyselyCatalog } from './kysely-catalog.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import type { Catalog } from './types.ts';
import { openPostgresPool, type PostgresTimeouts } from './postgres-pool.ts';
import { withStatementCache } from './statement-cache.ts';

export { KyselyCatalog } from './kysely-catalog.ts';
export { migrateToLatest, migrations } from './migrations.ts';
export type { NamedMigration } from './named-migration.ts';
export type { Database } from './schema.ts';

export type DatabaseKind = 'sqlite' | 'postgres';

const busyTimeoutMs = 5_000;

/** Which backend a DATABASE_URL names: `sqlite://<path>` or `postgres(ql)://…`. */
export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite://')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  throw new Error(`DATABASE_URL must start with sqlite:// or postgres://, got "${url.split(':')[0] ?? ''}:…"`);
}

/**
 * Opens (without migrating) the database a DATABASE_URL names. Later features that add tables use
 * this instance (or `KyselyCatalog.db`) with `db.withTables<…>()` for their own types.
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): Kysely<Database> {
  return databaseKind(url) === 'sqlite' ? openSqlite(url) : openPostgres(url, options);
}

export interface DatabaseOptions {
  /** PostgreSQL: statement and connection timeouts (none: only the 5 s connection timeout). */
  timeouts?: PostgresTimeouts;
  /** PostgreSQL: a connection failed (the query on it fails too, as 503 `unavailable`). */
  onError?: (error: Error) => void;
}

/** The catalog for the configured database, migrated to the latest schema. */
export async function createCatalog(config: Config, logger?: Logger): Promise<Catalog & { readonly db: Kysely<Database> }> {
  const url = config.databaseUrl;
  const db = openDatabase(url, { timeouts: config.databaseTimeouts, onError: logger && throttledWarning(logger) });
  // Migrations run without the statement timeout: a long one, or waiting for another replica's
  // migration lock, is not a request to cut short.
  const migrating = databaseKind(url) === 'postgres' ? openDatabase(url) : db;
  try {
    await migrateToLatest(migrating);
  } catch (error) {
    await db.destroy();
    throw error;
  } finally {
    if (migrating !== db) await migrating.destroy();
  }
  return new KyselyCatalog(db);
}

/** One log line per 30 s of an outage: every pooled connection reports the same drop. */
function throttledWarning(logger: Logger): (error: Error) => void {
  let last = 0;
  return (error) => {
    if (Date.now() - last < 30_000) return;
    last = Date.now();
    logger.warn('catalog database connection failed; queries answer 503 until it is back', { error: error.message });
  };
}

function openSqlite(url: string): Kysely<Database> {
  const location = url.slice('sqlite://'.length);
  if (location === '') throw new Error('DATABASE_URL sqlite:// needs a file path, e.g. sqlite:///var/lib/pixelfront/catalog.db');
  let database: SqliteDatabase.Database;
  if (location === ':memory:') {
    database = new SqliteDatabase(':memory:');
  } else {
    const path = resolve(location);
    mkdirSync(dirname(path), { recursive: true });
    database = new SqliteDatabase(path, { timeout: busyTimeoutMs });
    // WAL lets readers run while a write commits; NORMAL sync is durable enough under WAL.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
  }
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

function openPostgres(url: string, options: DatabaseOptions): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: openPostgresPool(url, options) }) });
}
