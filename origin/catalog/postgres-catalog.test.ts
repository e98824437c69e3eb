import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.ts';
import { describeCatalogContract, describeCatalogUpgrade } from './catalog.contract.ts';
import { createCatalog, KyselyCatalog, migrations, openDatabase } from './index.ts';
import { describeCatalogSearch, describeSearchUpgrade } from './search.contract.ts';

const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Each run gets its own schema so parallel runs and leftovers never meet.
const schema = `pf_test_${randomBytes(6).toString('hex')}`;

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function reachable(): Promise<boolean> {
  try {
    await withAdmin((client) => client.query('select 1'));
    return true;
  } catch (error) {
    const message = `PostgreSQL at ${redact(baseUrl)} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI) throw new Error(`${message} (CI requires it)`, { cause: error });
    console.warn(`[skip] postgres catalog tests: ${message}`);
    return false;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** The test URL with search_path pinned to this run's schema, as a user would pick a schema. */
function schemaUrl(name = schema): string {
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

const available = await reachable();

if (available) {
  beforeAll(() => withAdmin((client) => client.query(`create schema ${schema}`)));
  afterAll(() => withAdmin((client) => client.query(`drop schema if exists ${schema} cascade`)));
}

describeCatalogContract('postgres', () => createCatalog(testConfig({ DATABASE_URL: schemaUrl() })), { skip: !available });
// Each upgrade starts from an empty schema of its own, dropped with the run's schema prefix below.
const upgradeSchemas: string[] = [];
const emptyDatabase = async () => {
  const name = `${schema}_up${upgradeSchemas.length}`;
  upgradeSchemas.push(name);
  await withAdmin((client) => client.query(`create schema ${name}`));
  return openDatabase(schemaUrl(name));
};
describeCatalogUpgrade('postgres', emptyDatabase, { skip: !available });
describeCatalogSearch('postgres', () => createCatalog(testConfig({ DATABASE_URL: schemaUrl() })), { skip: !available });
// The same answers when no filter is selective enough to drive the plan (the page walks the sort index).
describeCatalogSearch(
  'postgres, walking the sort index',
  async () => new KyselyCatalog((await createCatalog(testConfig({ DATABASE_URL: schemaUrl() }))).db, { driverLimit: 0 }),
  { skip: !available },
);
describeSearchUpgrade('postgres', emptyDatabase, { skip: !available });
if (available)
  afterAll(() => withAdmin((client) => client.query(upgradeSchemas.map((name) => `drop schema if exists ${name} cascade;`).join(''))));

describe.skipIf(!available)('postgres catalog database', () => {
  it("keeps its tables in the URL's schema and migrates concurrent starts once", async () => {
    const catalogs = await Promise.all(Array.from({ length: 3 }, () => createCatalog(testConfig({ DATABASE_URL: schemaUrl() }))));
    try {
      const [catalog] = catalogs;
      if (catalog === undefined) throw new Error('no catalog');
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(catalog.db);
      expect(tables.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['images', 'kysely_migration', 'upload_counts']));
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(catalog.db);
      expect(applied.rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
    } finally {
      await Promise.all(catalogs.map((catalog) => catalog.close()));
    }
  });

  it('reads bigint columns as numbers', async () => {
    const catalog = await createCatalog(testConfig({ DATABASE_URL: schemaUrl() }));
    try {
      const result = await sql<{ big: unknown }>`select cast(9007199254740991 as bigint) as big`.execute(catalog.db);
      expect(result.rows[0]?.big).toBe(Number.MAX_SAFE_INTEGER);
    } finally {
      await catalog.close();
    }
  });

  it('cancels a statement past DATABASE_QUERY_TIMEOUT_MS with 503 unavailable, and the pool goes on', async () => {
    const catalog = await createCatalog(testConfig({ DATABASE_URL: schemaUrl(), DATABASE_QUERY_TIMEOUT_MS: '200' }));
    try {
      const started = performance.now();
      await expect(sql`select pg_sleep(3)`.execute(catalog.db)).rejects.toMatchObject({ code: 'unavailable', status: 503 });
      expect(performance.now() - started).toBeLessThan(1_500);
      await expect(catalog.ping()).resolves.toBeUndefined();
      // A mistake in SQL is not an outage: it stays the database's own error.
      await expect(sql`select * from no_such_table`.execute(catalog.db)).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await catalog.close();
    }
  });
});

describe('postgres catalog start-up', () => {
  it('fails clearly when the server cannot be reached', async () => {
    await expect(createCatalog(testConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' }))).rejects.toThrow(
      /catalog migrations failed: .*ECONNREFUSED/,
    );
  });
});
