import type { Kysely, Selectable } from 'kysely';
import { newestFirstPage } from '../catalog/cursor.ts';
import type { Database } from '../catalog/schema.ts';
import type { UploadPartsTable, UploadsTable, UploadTables } from './schema.ts';

export type UploadRow = Selectable<UploadsTable>;
export type PartRow = Selectable<UploadPartsTable>;

/**
 * Multipart upload state in the catalog database, so any origin replica can take any part and a
 * restart loses nothing acknowledged. State changes are conditional updates (`WHERE state = …`),
 * which makes racing requests on different replicas safe without locks held across I/O.
 */
export class UploadStore {
  private readonly db: Kysely<Database & UploadTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<UploadTables>();
  }

  async insert(row: UploadRow): Promise<void> {
    await this.db.insertInto('uploads').values(row).execute();
  }

  /** Only within the tenant: another tenant's upload is null. */
  async get(tenant: string, id: string): Promise<UploadRow | null> {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
    return row ?? null;
  }

  /**
   * The tenant's uploads still in progress (open and not expired), newest first, with the bytes
   * received so far; the cursor is the (createdAt, id) of a page's last upload, as for images.
   */
  async listOpen(
    tenant: string,
    now: number,
    options: { limit: number; cursor?: string | undefined },
  ): Promise<{ items: (UploadRow & { received_bytes: number; received_parts: number })[]; next: string | null }> {
    const query = this.db
      .selectFrom('uploads')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('state', '=', 'open')
      .where('expires_at', '>', now);
    const { page, next } = await newestFirstPage(query, options);
    const sums =
      page.length === 0
        ? []
        : await this.db
            .selectFrom('upload_parts')
            .select([
              'upload_id',
              (eb) => eb.fn.sum<number | string | bigint>('size').as('bytes'),
              (eb) => eb.fn.countAll<number | string | bigint>().as('parts'),
            ])
            .where(
              'upload_id',
              'in',
              page.map((row) => row.id),
            )
            .groupBy('upload_id')
            .execute();
    const items = page.map((row) => {
      const sum = sums.find((entry) => entry.upload_id === row.id);
      return { ...row, received_bytes: Number(sum?.bytes ?? 0), received_parts: Number(sum?.parts ?? 0) };
    });
    return { items, next };
  }

  async parts(uploadId: string): Promise<PartRow[]> {
    return this.db.selectFrom('upload_parts').selectAll().where('upload_id', '=', uploadId).orderBy('part_number').execute();
  }

  /** Records a part, replacing an earlier one with the same number. */
  async savePart(part: PartRow): Promise<void> {
    await this.db
      .insertInto('upload_parts')
      .values(part)
      .onConflict((conflict) =>
        conflict
          .columns(['upload_id', 'part_number'])
          .doUpdateSet({ etag: part.etag, backend_etag: part.backend_etag, size: part.size, uploaded_at: part.uploaded_at }),
      )
      .execute();
  }

  /**
   * Takes the upload for a completion until `leaseUntil`: it must be open and not held by a
   * completion still running (a crashed one's lease runs out). false: someone else holds it.
   */
  async lease(id: string, now: number, leaseUntil: number): Promise<boolean> {
    const result = await this.db
      .updateTable('uploads')
      .set({ lease_until: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return (result.numUpdatedRows ?? 0n) > 0n;
  }

  /**
   * Extends a lease its holder still has: `heldUntil` is the expiry it set last, which changes
   * when another request took the upload over, so a late holder cannot extend someone else's.
   */
  async renewLease(id: string, heldUntil: number, leaseUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('uploads')
      .set({ lease_until: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .where('lease_until', '=', heldUntil)
      .executeTakeFirst();
    return (result.numUpdatedRows ?? 0n) > 0n;
  }

  /** The upload's state and lease expiry, as a renewal that failed finds them. */
  async leaseState(id: string): Promise<Pick<UploadRow, 'state' | 'lease_until'> | undefined> {
    return this.db.selectFrom('uploads').select(['state', 'lease_until']).where('id', '=', id).executeTakeFirst();
  }

  async release(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .execute();
  }

  async markAssembled(id: string, now: number): Promise<void> {
    await this.db.updateTable('uploads').set({ assembled: 1, updated_at: now }).where('id', '=', id).execute();
  }

  async markCompleted(id: string, imageId: string, deduplicated: boolean, now: number): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ state: 'completed', image_id: imageId, deduplicated: deduplicated ? 1 : 0, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .execute();
    await this.db.deleteFrom('upload_parts').where('upload_id', '=', id).execute();
  }

  /**
   * Moves an open upload to aborted (with the reason when completion rejected its content) and
   * forgets its parts. `force` also takes one whose completion lease is still running (that
   * completion itself). false: it was not open.
   */
  async markAborted(
    id: string,
    now: number,
    options: { error?: { code: string; detail: string }; force?: boolean } = {},
  ): Promise<boolean> {
    let query = this.db
      .updateTable('uploads')
      .set({
        state: 'aborted',
        lease_until: null,
        error_code: options.error?.code ?? null,
        error_detail: options.error?.detail ?? null,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('state', '=', 'open');
    if (!options.force) query = query.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
    const result = await query.executeTakeFirst();
    const aborted = (result.numUpdatedRows ?? 0n) > 0n;
    if (aborted) await this.db.deleteFrom('upload_parts').where('upload_id', '=', id).execute();
    return aborted;
  }

  /** Open uploads past their expiry and not held by a running completion, oldest first. */
  async expired(now: number, limit: number): Promise<UploadRow[]> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('state', '=', 'open')
      .where('expires_at', '<', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('expires_at')
      .limit(limit)
      .execute();
  }

  /** Forgets finished uploads whose expiry is older than `before`; returns how many. */
  async purgeFinished(before: number): Promise<number> {
    const result = await this.db.deleteFrom('uploads').where('state', '!=', 'open').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows ?? 0n);
  }
}
