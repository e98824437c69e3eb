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
