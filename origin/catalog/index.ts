import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import { KyselyCatalog } from './kysely-catalog.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';
import type { Catalog } from './types.ts';
import { withStatementCache } from './statement-cache.ts';

export { KyselyCatalog } from './kysely-catalog.ts';
export { migrateToLatest, migrations, type NamedMigration } from './migrations.ts';
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
export function openDatabase(url: string): Kysely<Database> {
  return databaseKind(url) === 'sqlite' ? openSqlite(url) : openPostgres(url);
}

/** The catalog for the configured database, migrated to the latest schema. */
export async function createCatalog(config: Config): Promise<Catalog & { readonly db: Kysely<Database> }> {
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyCatalog(db);
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

function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    // Fail /readyz and start-up quickly instead of hanging on an unreachable server.
    connectionTimeoutMillis: 5_000,
    // Epoch-millisecond columns are bigint; they fit a double, so read them as numbers. Per pool,
    // not via pg.types, so other pg users in the process keep their own parsing.
    types: {
      getTypeParser: (oid, format) =>
        oid === pg.types.builtins.INT8 && format !== 'binary' ? (value: string) => Number(value) : (pg.types.getTypeParser(oid, format) as unknown),
    },
  });
  // An idle client whose connection drops emits 'error' on the pool; unhandled, that would crash the
  // process. pg discards the client and the next query connects again, so there is nothing to do.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
