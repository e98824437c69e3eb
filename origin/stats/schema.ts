/** Render and delivery counters per UTC day, tenant, kind and format (migration 0004-usage-counts). */
export interface UsageCountsTable {
  /** YYYY-MM-DD in UTC. */
  day: string;
  /** The owner of the image that was rendered or served. */
  tenant: string;
  kind: UsageKind;
  /** The output format: the variant's, or the original's for `/img/<id>`. */
  format: string;
  count: number;
  bytes: number;
}

export type UsageKind = 'render' | 'delivery';

// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible type.
export type UsageTables = {
  usage_counts: UsageCountsTable;
};
