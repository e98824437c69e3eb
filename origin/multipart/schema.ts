/**
 * The catalog tables of multipart uploads (migration 0003-uploads), as Kysely sees them.
 * Sizes and times are bigint columns read back as numbers; times are epoch milliseconds.
 */
export type UploadState = 'open' | 'completed' | 'aborted';

export interface UploadsTable {
  id: string;
  tenant: string;
  filename: string | null;
  content_type: string | null;
  declared_size: number | null;
  part_size: number;
  /** JSON of the UserMetadata given at creation (migration 0005), or null. */
  metadata: string | null;
  /** `reject`: completion refuses a near duplicate (409); null: allowed (migration 0011). */
  duplicates: string | null;
  /** Comma-separated preset names for `afterUpload`, or null. */
  eager: string | null;
  state: UploadState;
  /** Storage key the parts complete into (`uploads/<id>/object`). */
  storage_key: string;
  /** The backend's multipart upload id (S3's UploadId). */
  backend_upload_id: string;
  /** 1 once the backend completed the parts into `storage_key`; a retry then skips that step. */
  assembled: number;
  /** While a completion runs: until when it holds the upload; a crashed one is taken over after. */
  lease_until: number | null;
  image_id: string | null;
  /** 0 or 1: the completed content matched an image the tenant already had. */
  deduplicated: number;
  /** Why completion rejected the content (then state is aborted). */
  error_code: string | null;
  error_detail: string | null;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

export interface UploadPartsTable {
  upload_id: string;
  part_number: number;
  /** MD5 hex of the part, as the API reports it. */
  etag: string;
  /** What the storage backend calls the part (S3: its ETag); completion names it. */
  backend_etag: string;
  size: number;
  uploaded_at: number;
}

// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible type.
export type UploadTables = {
  uploads: UploadsTable;
  upload_parts: UploadPartsTable;
};
