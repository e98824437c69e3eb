/**
 * Render, delivery and edge counters per UTC day, tenant, kind, format and preset (migrations
 * 0004-usage-counts and 0007-statistics).
 */
export interface UsageCountsTable {
  /** YYYY-MM-DD in UTC. */
  day: string;
  /** The owner of the image that was rendered or served. */
  tenant: string;
  kind: UsageKind;
  /** The output format: the variant's, or the original's for `/img/<id>`. */
  format: string;
  /** The `t_NAME` the URL named; '' for none (a primary key column cannot be null). */
  preset: string;
  count: number;
  bytes: number;
  /** Render CPU time in microseconds (renders only; 0 elsewhere). */
  cpu_us: number;
}

/**
 * `render` and `delivery` are counted by the origin; `edge_hit` and `edge_miss` arrive from the
 * edge Worker (POST /v1/edge-stats). A miss also reached the origin and is a `delivery` there.
 */
export type UsageKind = 'render' | 'delivery' | 'edge_hit' | 'edge_miss';

/** Deliveries (origin and edge hits) per image and day, for `GET /v1/stats/top`. */
export interface ImageDeliveryCountsTable {
  tenant: string;
  day: string;
  image_id: string;
  count: number;
  bytes: number;
}

export type StoredKind = 'original' | 'variant' | 'mezzanine';

/**
 * Objects and bytes in storage per image, kind and day written, for `GET /v1/stats/storage`:
 * counters added to on write and removed with the image or by the variant sweep, never a listing.
 */
export interface StorageCountsTable {
  image_id: string;
  kind: StoredKind;
  /** The UTC day variants were written (their TTL runs from it); '' for originals and mezzanines. */
  day: string;
  tenant: string;
  objects: number;
  bytes: number;
}

// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible type.
export type UsageTables = {
  usage_counts: UsageCountsTable;
  image_delivery_counts: ImageDeliveryCountsTable;
  storage_counts: StorageCountsTable;
};
