import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../catalog/schema.ts';
import type { Logger } from '../logger.ts';
import type { StorageCountsTable, StoredKind, UsageTables } from './schema.ts';

export interface StoredObject {
  tenant: string;
  imageId: string;
  kind: StoredKind;
  bytes: number;
  /** When it was written: a variant's TTL runs from that day. */
  at?: Date;
}

export interface ExpiredVariant {
  imageId: string;
  bytes: number;
  lastModified: Date;
}

export type StorageTally = { objects: number; bytes: number };
export type StorageByKind = Record<StoredKind, StorageTally>;

const dayOf = (at: Date) => at.toISOString().slice(0, 10); // UTC
const kinds: readonly StoredKind[] = ['original', 'variant', 'mezzanine'];

/**
 * What each image keeps in storage (originals, ladder mezzanines, variants), as counters in the
 * catalog: added to when an object is written, removed with its image, and by the variant sweep
 * (file backend). `GET /v1/stats/storage` sums them; nothing lists the bucket. A failed update is
 * logged and skipped: a counter must never fail the write or delete it describes.
 */
export class StorageCounter {
  private readonly db: Kysely<Database & UsageTables>;
  /**
   * The upsert every variant write-back makes, compiled once (as the catalog's image lookup):
   * building and compiling it with the query builder cost more main-thread time than SQLite took
   * to run it, and ~20 KB of garbage a write (bench/README.md, per-request overhead).
   */
  private readonly upsert: PreparedUpsert;

  constructor(
    db: Kysely<Database>,
    private readonly logger: Logger,
  ) {
    this.db = db.withTables<UsageTables>();
    this.upsert = prepareUpsert(this.db);
  }

  /** One object written for an image. */
  async added(object: StoredObject): Promise<void> {
    const row: StorageCountsTable = {
      image_id: object.imageId,
      kind: object.kind,
      // Only variants expire, so only they are counted per day written.
      day: object.kind === 'variant' ? dayOf(object.at ?? new Date()) : '',
      tenant: object.tenant,
      objects: 1,
      bytes: object.bytes,
    };
    await this.guard('storage counter not updated for a write', { imageId: object.imageId, kind: object.kind }, () =>
      this.db.executeQuery(this.upsert.bind(row)),
    );
  }

  /** Every object of a deleted image is gone (its original, variants and mezzanines). */
  async imageDeleted(imageId: string): Promise<void> {
    await this.guard('storage counters of a deleted image not removed', { imageId }, () =>
      this.db.deleteFrom('storage_counts').where('image_id', '=', imageId).execute(),
    );
  }

  /** Variants the sweep deleted: each comes off the counter of the day it was written. */
  async variantsExpired(expired: readonly ExpiredVariant[]): Promise<void> {
    for (const variant of expired) {
      await this.guard('storage counter not updated for an expired variant', { imageId: variant.imageId }, () =>
        this.db
          .updateTable('storage_counts')
          .set((eb) => ({ objects: eb('objects', '-', 1), bytes: eb('bytes', '-', variant.bytes) }))
          .where('image_id', '=', variant.imageId)
          .where('kind', '=', 'variant')
          .where('day', '=', dayOf(variant.lastModified))
          .execute(),
      );
    }
    // Rows the sweep emptied say nothing any more.
    await this.guard('emptied storage counters not removed', {}, () =>
      this.db.deleteFrom('storage_counts').where('kind', '=', 'variant').where('objects', '<=', 0).execute(),
    );
  }

  /**
   * Objects and bytes per kind, for one tenant or (undefined) per tenant. `variantsSince` (a day)
   * counts only variants written since then: the estimate for a bucket whose lifecycle rule
   * expires variants without telling the service.
   */
  async totals(tenant: string | undefined, options: { variantsSince?: string | undefined } = {}): Promise<Map<string, StorageByKind>> {
    let query = this.db
      .selectFrom('storage_counts')
      .select(['tenant', 'kind'])
      .select((eb) => [eb.fn.sum<number>('objects').as('objects'), eb.fn.sum<number>('bytes').as('bytes')])
      .groupBy(['tenant', 'kind']);
    if (tenant !== undefined) query = query.where('tenant', '=', tenant);
    const since = options.variantsSince;
    if (since !== undefined) query = query.where((eb) => eb.or([eb('kind', '<>', 'variant'), eb('day', '>=', since)]));
    const byTenant = new Map<string, StorageByKind>();
    for (const row of await query.execute()) {
      let entry = byTenant.get(row.tenant);
      if (!entry) byTenant.set(row.tenant, (entry = emptyStorage()));
      // Sums arrive as numbers (SQLite) or numeric text (PostgreSQL).
      entry[row.kind] = { objects: Number(row.objects), bytes: Number(row.bytes) };
    }
    return byTenant;
  }

  private async guard(message: string, context: Record<string, unknown>, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(message, { ...context, error: String(error) });
    }
  }
}

interface PreparedUpsert {
  bind(row: StorageCountsTable): CompiledQuery;
}

/** Adds one row's objects and bytes to `storage_counts` (insert, or add on its key). */
function upsertQuery(db: Kysely<Database & UsageTables>, row: StorageCountsTable) {
  return db
    .insertInto('storage_counts')
    .values(row)
    .onConflict((conflict) =>
      conflict.columns(['image_id', 'kind', 'day']).doUpdateSet((eb) => ({
        objects: eb('storage_counts.objects', '+', 1),
        bytes: eb('storage_counts.bytes', '+', eb.ref('excluded.bytes')),
      })),
    );
}

/**
 * Compiles the upsert once with a marker in each column's place and binds rows to the SQL text:
 * which parameter is which column is read from the markers, so it follows the builder's order.
 */
function prepareUpsert(db: Kysely<Database & UsageTables>): PreparedUpsert {
  const columns = ['image_id', 'kind', 'day', 'tenant', 'objects', 'bytes'] as const;
  const markers = Object.fromEntries(columns.map((column) => [column, { column }]));
  const compiled = upsertQuery(db, markers as unknown as StorageCountsTable).compile();
  const slots = compiled.parameters.map((value) => columns.find((column) => value === markers[column]));
  return {
    bind: (row) =>
      CompiledQuery.raw(
        compiled.sql,
        slots.map((column, index) => (column === undefined ? compiled.parameters[index] : row[column])),
      ),
  };
}

export function emptyStorage(): StorageByKind {
  return Object.fromEntries(kinds.map((kind) => [kind, { objects: 0, bytes: 0 }])) as StorageByKind;
}
