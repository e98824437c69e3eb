import type { Readable } from 'node:stream';
import type { ObjectInfo, PutOptions } from './types.ts';

/**
 * S3-style multipart uploads on top of an ObjectStorage: parts arrive one by one (in any order,
 * re-sending replaces), and completion turns the listed parts into one object at `key`.
 * The S3 backend uses S3's own multipart upload; every other backend keeps parts as objects
 * under `<key>.parts/<uploadId>/` and assembles them by streaming (StoredPartsMultipart).
 */
export interface PartReceipt {
  partNumber: number;
  /** What the backend calls the part (S3: its ETag, unquoted); completion must name it. */
  etag: string;
  size: number;
}

export interface PartRef {
  partNumber: number;
  etag: string;
}

export interface MultipartStorage {
  /** Starts an upload that will become the object `key`; returns the backend's upload id. */
  create(key: string, options?: PutOptions): Promise<string>;
  /**
   * Stores part `partNumber` (1…10000) of exactly `size` bytes, replacing an earlier one. `md5`,
   * when given, is the body's MD5 hex as the caller hashed it on the way (valid once the body has
   * ended): a backend whose etag is the MD5 takes it instead of hashing the bytes a second time.
   */
  uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number, md5?: () => string): Promise<PartReceipt>;
  /**
   * Writes the listed parts, in ascending order, as the object `key` and frees them.
   * A part that is missing or whose etag differs is `invalid_request`; an unknown upload is `conflict`.
   */
  complete(key: string, uploadId: string, parts: readonly PartRef[]): Promise<ObjectInfo>;
  /**
   * Backends whose parts are stored objects (StoredPartsMultipart): the listed parts, in ascending
   * order, as one stream, each checked against its etag as it passes (a mismatch errors the stream
   * with `invalid_request`), without writing them as one object first. The parts stay until
   * `abort`. A part that is missing is `invalid_request` before the stream starts.
   */
  concatenate?(key: string, uploadId: string, parts: readonly PartRef[]): Promise<Readable>;
  /** Frees every part; an unknown or already finished upload is not an error. */
  abort(key: string, uploadId: string): Promise<void>;
}
