import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the suites use (a database of their own; override with TEST_DATABASE_URL). */
export const testPostgresUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Runs one statement on the test database. Unreachable fails the run in CI and, elsewhere, skips
 * the suite named `what` with a notice (resolves false).
 */
export async function pgAdmin(sql: string, what: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query(sql);
    return true;
  } catch (error) {
    if (process.env['CI']) throw error;
    console.warn(`[skip] ${what}: PostgreSQL unavailable (${error instanceof Error ? error.message : String(error)})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestSchema {
  name: string;
  /** A DATABASE_URL with search_path pinned to the schema; `base` for a server reached another way (a proxy). */
  url(base?: string): string;
  /** Creates the schema; false (with a notice) where PostgreSQL is unreachable outside CI. */
  create(): Promise<boolean>;
  drop(): Promise<boolean>;
}

/** A throw-away schema per run, so parallel runs and leftovers never meet. */
export function testSchema(prefix: string, what: string): TestSchema {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  return {
    name,
    url(base = testPostgresUrl) {
      const url = new URL(base);
      url.searchParams.set('options', `-c search_path=${name}`);
      return url.toString();
    },
    create: () => pgAdmin(`create schema ${name}`, what),
    drop: () => pgAdmin(`drop schema if exists ${name} cascade`, what),
  };
}
