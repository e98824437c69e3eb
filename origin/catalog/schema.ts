/**
 * The catalog's tables as Kysely sees them. Column types are the ones both SQLite and PostgreSQL
 * return: integers come back as numbers (PostgreSQL's int8 through the pool's type parser) and
 * booleans are stored as 0/1 because better-sqlite3 cannot bind a JavaScript boolean.
 */
export interface ImagesTable {
  id: string;
  tenant: string;
  filename: string | null;
  format: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  frames: number;
  /** 0 or 1. */
  has_alpha: number;
  orientation: number | null;
  blurhash: string | null;
  dominant_color: string | null;
  /** Epoch milliseconds. */
  created_at: number;
  // People's own metadata (migration 0005-user-metadata); null on rows from before it.
  title: string | null;
  alt: string | null;
  /** JSON array of lower-case tags; image_tags indexes them for queries. */
  tags: string | null;
  /** JSON object text. */
  meta: string | null;
  // Embedded metadata read at ingest (migration 0009-embedded-metadata): JSON, null when none.
  exif: string | null;
  iptc: string | null;
  // Search (migration 0010-search), derived from the columns above whenever they change.
  /** The words `q` matches, space-separated (catalog/search-text.ts); PostgreSQL indexes it as the generated tsvector search_vector. */
  search_text: string | null;
  /** EXIF takenAt as epoch milliseconds (catalog/taken-at.ts). */
  taken_at: number | null;
  /** SQLite only: this row's rowid in images_fts (its own rowid may change in a VACUUM; this does not). */
  search_rowid?: number | null;
  // Perceptual hash (migration 0011-perceptual-hash): 16 hex digits and its four 16-bit bands, each
  // indexed with the tenant (origin/similarity/hamming.ts); null for SVG and rows not hashed yet.
  phash: string | null;
  phash_b0: number | null;
  phash_b1: number | null;
  phash_b2: number | null;
  phash_b3: number | null;
}

/** One row per tag of an image: what `GET /v1/images?tag=` finds images by. */
export interface ImageTagsTable {
  image_id: string;
  tenant: string;
  tag: string;
}

export interface UploadCountsTable {
  /** YYYY-MM-DD in UTC. */
  day: string;
  tenant: string;
  format: string;
  count: number;
  bytes: number;
}

export interface Database {
  images: ImagesTable;
  image_tags: ImageTagsTable;
  upload_counts: UploadCountsTable;
}
