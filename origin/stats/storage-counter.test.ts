import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { testSchema } from '../../test/helpers/postgres.ts';
import { migrateToLatest, openDatabase, type Database } from '../catalog/index.ts';
import { createLogger } from '../logger.ts';
import { StorageCounter } from './storage-counter.ts';
import { storageReport, variantsSince } from './storage-report.ts';

const pg = testSchema('pf_storage_counts', 'storage counters on PostgreSQL');
const pgAvailable = await pg.create();
const opened: Kysely<Database>[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
  if (pgAvailable) await pg.drop();
});

const silent = createLogger('silent');
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

/** The same SQL on both catalog backends. */
for (const backend of ['sqlite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !pgAvailable)(`storage counters (${backend})`, () => {
    const open = async () => {
      const db = openDatabase(backend === 'sqlite' ? 'sqlite://:memory:' : pg.url());
      opened.push(db);
      await migrateToLatest(db);
      return new StorageCounter(db, silent);
    };

    it('counts only the variants written since a day when asked (a bucket whose lifecycle rule expires them)', async () => {
      const counter = await open();
      const tenant = `t-${randomUUID()}`;
      const imageId = randomUUID();
      await counter.added({ tenant, imageId, kind: 'original', bytes: 1000 });
      await counter.added({ tenant, imageId, kind: 'mezzanine', bytes: 300 });
      await counter.added({ tenant, imageId, kind: 'variant', bytes: 10, at: day('2026-03-01') });
      await counter.added({ tenant, imageId, kind: 'variant', bytes: 20, at: day('2026-03-09') });
      // Concurrent write-backs of one day all count (the upsert adds).
      await Promise.all(
        Array.from({ length: 10 }, () => counter.added({ tenant, imageId, kind: 'variant', bytes: 5, at: day('2026-03-10') })),
      );

      const all = (await counter.totals(tenant)).get(tenant);
      expect(all).toEqual({
        original: { objects: 1, bytes: 1000 },
        mezzanine: { objects: 1, bytes: 300 },
        variant: { objects: 12, bytes: 80 },
      });
      // Variants of 2026-03-10 and later; originals and mezzanines never expire.
      const recent = (await counter.totals(tenant, { variantsSince: '2026-03-10' })).get(tenant);
      expect(recent).toEqual({ ...all, variant: { objects: 10, bytes: 50 } });
      // Every tenant at once (the admin view), and a tenant of its own.
      const other = `t-${randomUUID()}`;
      await counter.added({ tenant: other, imageId: randomUUID(), kind: 'original', bytes: 7 });
      const everyone = await counter.totals(undefined);
      expect(everyone.get(tenant)).toEqual(all);
      expect(everyone.get(other)?.original).toEqual({ objects: 1, bytes: 7 });
      expect([...(await counter.totals(other)).keys()]).toEqual([other]);
    });

    it('takes swept variants off the day they were written, and everything of a deleted image', async () => {
      const counter = await open();
      const tenant = `t-${randomUUID()}`;
      const [kept, gone] = [randomUUID(), randomUUID()];
      await counter.added({ tenant, imageId: kept, kind: 'original', bytes: 100 });
      await counter.added({ tenant, imageId: kept, kind: 'variant', bytes: 10, at: day('2026-03-01') });
      await counter.added({ tenant, imageId: kept, kind: 'variant', bytes: 11, at: day('2026-03-01') });
      await counter.added({ tenant, imageId: kept, kind: 'variant', bytes: 12, at: day('2026-03-02') });
      await counter.added({ tenant, imageId: gone, kind: 'original', bytes: 200 });
      await counter.added({ tenant, imageId: gone, kind: 'mezzanine', bytes: 50 });
      await counter.added({ tenant, imageId: gone, kind: 'variant', bytes: 9, at: day('2026-03-01') });

      await counter.variantsExpired([
        { imageId: kept, bytes: 10, lastModified: day('2026-03-01') },
        { imageId: kept, bytes: 12, lastModified: day('2026-03-02') },
      ]);
      expect((await counter.totals(tenant)).get(tenant)?.variant).toEqual({ objects: 2, bytes: 20 });
      await counter.imageDeleted(gone);
      expect((await counter.totals(tenant)).get(tenant)).toEqual({
        original: { objects: 1, bytes: 100 },
        mezzanine: { objects: 0, bytes: 0 },
        variant: { objects: 1, bytes: 11 },
      });
    });
  });
}

describe('storage report', () => {
  it('counts variants of the last VARIANT_TTL_DAYS on S3 and says so; on the file backend all of them', () => {
    const now = new Date('2026-03-31T08:00:00Z');
    expect(variantsSince({ storageUrl: 's3://bucket/prefix', variantTtlDays: 30 }, now)).toBe('2026-03-01');
    expect(variantsSince({ storageUrl: 'file:///data/objects', variantTtlDays: 30 }, now)).toBeUndefined();
    const tally = { objects: 1, bytes: 10 };
    const byKind = { original: tally, variant: tally, mezzanine: tally };
    const config = (storageUrl: string) => ({ storageUrl, variantTtlDays: 30 }) as Parameters<typeof storageReport>[1];
    expect(storageReport(byKind, config('s3://bucket')).variantsEstimated).toBe(true);
    expect(storageReport(byKind, config('file:///data/objects'))).toEqual({
      originals: tally,
      variants: tally,
      mezzanines: tally,
      total: { objects: 3, bytes: 30 },
      variantsEstimated: false,
    });
  });
});
