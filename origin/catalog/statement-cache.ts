import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';

/**
 * better-sqlite3 as Kysely's SqliteDialect sees it, with prepared statements reused by SQL text.
 * Kysely prepares every query anew; for the image lookup that every /img request makes, preparing
 * cost as much as running it (each ~8 % of a memory hit's main-thread time, --cpu-prof).
 * Parameters are bound per call, so one statement serves any number of calls, except while an
 * `iterate()` over it is still open (`busy`): then a fresh one is prepared.
 */
export function withStatementCache(database: SqliteDatabase.Database, max = 200): KyselySqliteDatabase {
  const statements = new LRUCache<string, SqliteDatabase.Statement>({ max });
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      return statement;
    },
  };
}
