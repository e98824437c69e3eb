/**
 * The limits of multipart uploads. S3's own rules (5 MiB minimum part except the last, 10000
 * parts) apply to every backend so that a client written for one works on all.
 */
const MiB = 1024 * 1024;

export const MAX_PARTS = 10_000;
/** Every part but the last must be at least this large (checked at completion, as S3 does). */
export const MIN_PART_BYTES = 5 * MiB;
/** The part size announced when the client asks for none and the declared size allows it. */
export const DEFAULT_PART_BYTES = 16 * MiB;
/** The largest part size a client may ask for. */
export const MAX_PART_BYTES = 512 * MiB;
/**
 * The largest multipart upload. Completion copies the object into a temp file to validate it, so
 * this bounds the scratch space one upload can take; no image within MAX_INPUT_PIXELS needs more.
 */
export const MAX_MULTIPART_BYTES = 5 * 1024 * MiB;
/**
 * How long a completion holds an upload before another request may take over. Short, and renewed
 * every COMPLETION_RENEW_MS while the completion works: a completion whose process died (kill -9,
 * a lost node) frees the upload within this, however long a live one takes.
 */
export const COMPLETION_LEASE_MS = 15 * 1000;
export const COMPLETION_RENEW_MS = 5 * 1000;
/** Finished upload records are kept this long past their expiry (repeat-complete answers from them). */
export const FINISHED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The part size for an upload: the client's wish or the default, grown (in whole MiB) until the
 * declared size fits in MAX_PARTS parts.
 */
export function choosePartSize(declaredSize: number | undefined, requested: number | undefined): number {
  const base = requested ?? DEFAULT_PART_BYTES;
  if (declaredSize === undefined) return base;
  const needed = Math.ceil(declaredSize / MAX_PARTS / MiB) * MiB;
  return Math.max(base, needed);
}
