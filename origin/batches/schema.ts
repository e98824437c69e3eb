/** The batch tables (migration 0002-batches), as Kysely sees them; see origin/catalog/schema.ts for the conventions. */
export type BatchItemState = 'pending' | 'done' | 'failed';

export interface BatchesTable {
  id: string;
  tenant: string;
  total: number;
  /** Epoch milliseconds. */
  created_at: number;
  /** When the first job of the batch started; null while queued. */
  started_at: number | null;
}

export interface BatchItemsTable {
  batch_id: string;
  /** Position in the batch: the order of the archive and of the error list. */
  seq: number;
  image_id: string;
  /** Canonical ops as queued (may keep `f_auto`); with `format` it names the variant. */
  canonical: string;
  format: string;
  /** `variants/<id>/<hash>.<ext>`, unique per batch. */
  variant_key: string;
  /** Path inside the archive: `<image filename or id>/<preset or ops>.<ext>`. */
  name: string;
  state: BatchItemState;
  error_code: string | null;
  error_detail: string | null;
}

// A type alias, not an interface: Kysely's withTables wants an indexable record type.
export type BatchTables = {
  batches: BatchesTable;
  batch_items: BatchItemsTable;
};
