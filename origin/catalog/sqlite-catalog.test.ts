import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.ts';
import { describeCatalogContract, describeCatalogUpgrade } from './catalog.contract.ts';
import { createCatalog, KyselyCatalog, migrateToLatest, migrations, openDatabase } from './index.ts';
import { candidateQuery } from './similar-query.ts';
import { describeCatalogSearch, describeSearchUpgrade } from './search.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'pixelfront-catalog-'));
// A nested folder checks that createCatalog creates the database's directory.
const databaseUrl = `sqlite://${join(dir, 'nested', 'catalog.db')}`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeCatalogContract('sqlite', () => createCatalog(testConfig({ DATABASE_URL: databaseUrl })));
const emptyDatabase = async () => openDatabase(`sqlite://${join(dir, `upgrade-${Math.random().toString(36).slice(2)}.db`)}`);
describeCatalogUpgrade('sqlite', emptyDatabase);
describeCatalogSearch('sqlite', () => createCatalog(testConfig({ DATABASE_URL: databaseUrl })));
// The same answers when no filter is selective enough to drive the plan (the page walks the sort index).
describeCatalogSearch('sqlite, walking the sort index', async () => {
  const catalog = await createCatalog(testConfig({ DATABASE_URL: databaseUrl }));
  return new KyselyCatalog(catalog.db, { driverLimit: 0 });
});
describeSearchUpgrade('sqlite', emptyDatabase);

describe('sqlite catalog database', () => {
  it('runs in WAL mode with a busy timeout', async () => {
    const catalog = await createCatalog(testConfig({ DATABASE_URL: databaseUrl }));
    try {
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(catalog.db);
      expect(journal.rows[0]?.journal_mode).toBe('wal');
      const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(catalog.db);
      expect(timeout.rows[0]?.timeout).toBeGreaterThan(0);
    } finally {
      await catalog.close();
    }
  });

  it('applies each migration once', async () => {
    const db = openDatabase(`sqlite://${join(dir, 'migrations.db')}`);
    try {
      expect(await migrateToLatest(db)).toEqual(migrations.map((migration) => migration.name));
      expect(await migrateToLatest(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it('answers a near-duplicate lookup from the four covering band indexes, never a scan of the tenant', async () => {
    const catalog = await createCatalog(testConfig({ DATABASE_URL: 'sqlite://:memory:' }));
    try {
      const query = candidateQuery(catalog.db, 't', '8123456789abcdef', 10).compile();
      const { rows } = await catalog.db.executeQuery<{ detail: string }>({ ...query, sql: `explain query plan ${query.sql}` });
      const steps = rows.map((row) => row.detail);
      for (const band of [0, 1, 2, 3])
        expect(steps).toContain(
          `SEARCH images USING COVERING INDEX images_tenant_phash_b${band}_cover_idx (tenant=? AND phash_b${band}=?)`,
        );
      expect(steps.filter((step) => step.startsWith('SCAN images'))).toEqual([]);
    } finally {
      await catalog.close();
    }
  });

  it('refuses migrations listed out of name order', async () => {
    const db = openDatabase('sqlite://:memory:');
    try {
      const [first] = migrations;
      if (first === undefined) throw new Error('no migrations');
      const later = { ...first, name: '0000-too-early' };
      await expect(migrateToLatest(db, [first, later])).rejects.toThrow(/ascending order/);
    } finally {
      await db.destroy();
    }
  });
});
