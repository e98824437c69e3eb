import type { Readable } from 'node:stream';

/**
 * Object storage: the one seam between pixelfront and where bytes live (SPEC section 7).
 * Keys are `/`-separated paths such as `originals/<id>` or `variants/<id>/<hash>.webp`.
 * Every backend runs the same contract suite (origin/storage/storage.contract.ts).
 */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  contentType: string | undefined;
}

/** Inclusive byte range, as in HTTP: `{ start: 0, end: 99 }` is the first 100 bytes. */
export interface ByteRange {
  start: number;
  /** Inclusive; omitted means to the end of the object. */
  end?: number;
}

export interface StoredObject extends ObjectInfo {
  body: Readable;
  /** The range actually returned (inclusive), when a range was asked for. */
  range: { start: number; end: number } | undefined;
}

export interface PutOptions {
  contentType?: string;
}

export interface ObjectStorage {
  /** Writes atomically: readers see the whole new object or the old/none, never a part. */
  put(key: string, body: Readable | Uint8Array, options?: PutOptions): Promise<ObjectInfo>;
  /**
   * Storage that keeps objects as local files (FileStorage): makes the local file at `path` the
   * object `key` by moving it (rename(2), no copy) once it and its folder are flushed to disk;
   * afterwards `path` is gone. From another file system it is copied like `put`. On failure the
   * file stays at `path`. Without this method, callers `put` a stream of the file.
   */
  putFile?(key: string, path: string, options?: PutOptions): Promise<ObjectInfo>;
  /**
   * Creates the object only if the key is free, atomically: of racing writers exactly one wins.
   * null when an object already exists (it is left as it was).
   */
  putIfAbsent(key: string, body: Uint8Array, options?: PutOptions): Promise<ObjectInfo | null>;
  /** null when the key does not exist. A range past the end is clamped; a start past the end throws RangeError. */
  get(key: string, range?: ByteRange): Promise<StoredObject | null>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with prefix, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes every object under prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Storage that keeps each object as a local file (FileStorage): the file's path, null when the
   * key does not exist. The file never changes (objects are replaced by rename), so a reader may
   * open it instead of streaming the object.
   */
  localFile?(key: string): Promise<string | null>;
  /** Throws when the backend cannot be reached (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
