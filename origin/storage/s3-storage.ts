import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { fail } from '../../core/errors.ts';
import { ConfigError, type Config } from '../config.ts';
import { isValidKey, validateKey, validatePrefix } from './keys.ts';
import type { MultipartStorage } from './multipart-types.ts';
import { checkRange, clampRange } from './ranges.ts';
import { statusOf, storageFailure } from './s3-errors.ts';
import { S3Multipart } from './s3-multipart.ts';
import { countBytes, sliceStream } from './streams.ts';
import type { ByteRange, ObjectInfo, ObjectStorage, PutOptions, StoredObject } from './types.ts';

export interface S3StorageOptions {
  bucket: string;
  /** Prepended to every key: `''` or a key prefix ending in `/`. */
  prefix?: string;
  endpoint?: string | undefined;
  region: string;
  forcePathStyle?: boolean;
  /** Omitted: the standard AWS credential chain (environment, profile, instance role…). */
  credentials?: S3ClientConfig['credentials'];
  /** Part size of streamed uploads (at least 5 MiB); a stream shorter than one part is a single PUT. */
  partSize?: number;
  /** Parts uploaded in parallel; memory held per stream is about partSize × (queueSize + 1). */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000). */
  listPageSize?: number;
  /** Opening a connection fails after this (S3_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** A request on which no byte moves either way for this long fails (S3_REQUEST_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

const DELETE_BATCH = 1000; // the DeleteObjects maximum

/**
 * Objects in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO), optionally under a key
 * prefix. A PUT and a completed multipart upload are atomic by the protocol: a reader sees the
 * old object or the whole new one, and a failed stream never completes its upload.
 * `list` cannot report content types (ListObjectsV2 does not return them); `head` and `get` do.
 */
export class S3Storage implements ObjectStorage {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    if (this.prefix !== '' && !(this.prefix.endsWith('/') && isValidKey(this.prefix.slice(0, -1)))) {
      throw new ConfigError([`S3 key prefix ${JSON.stringify(this.prefix)} must be a valid key followed by /`]);
    }
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 2;
    this.listPageSize = options.listPageSize ?? 1000;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      // The newer default (always send CRC32 checksums, including aws-chunked trailers on streams)
      // is not understood by every S3-compatible server: s3rver stores such uploads corrupted.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without timeouts a silent endpoint (accepts, then never answers) holds every request for
      // minutes. An idle limit rather than a whole-request deadline: a part streamed from a
      // client, or a large original, may take long, but never long without a byte moving. A
      // timed-out request fails with TimeoutError, which the SDK retries (3 attempts in all)
      // before storageFailure makes it 503 `unavailable`.
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 3_000,
        socketTimeout: options.idleTimeoutMs ?? 10_000,
      },
    });
  }

  /** From `STORAGE_URL=s3://bucket[/prefix]` and the `S3_*` settings. */
  static fromUrl(
    url: string,
    s3: Omit<Config['s3'], 'connectMs' | 'idleMs'> & Partial<Config['s3']>,
    extra: Partial<S3StorageOptions> = {},
  ): S3Storage {
    const { bucket, prefix } = parseS3Url(url);
    return new S3Storage({
      bucket,
      prefix,
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      connectTimeoutMs: s3.connectMs,
      idleTimeoutMs: s3.idleMs,
      ...extra,
    });
  }

  async put(key: string, body: Readable | Uint8Array, options: PutOptions = {}): Promise<ObjectInfo> {
    const params = { Bucket: this.bucket, Key: this.objectKey(key), ContentType: options.contentType };
    if (body instanceof Uint8Array) {
      await this.call(key, this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.byteLength })));
      return { key, size: body.byteLength, lastModified: new Date(), contentType: options.contentType };
    }
    const counter = countBytes(body);
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: counter.stream },
      partSize: this.partSize,
      queueSize: this.queueSize,
    });
    try {
      await upload.done();
    } catch (error) {
      counter.stream.destroy();
      // The body's own failure (a size limit, a client that went away) matters more than the
      // upload failure it caused; an unfinished upload never becomes an object either way.
      if (counter.sourceError !== undefined) throw counter.sourceError;
      throw storageFailure(key, error);
    }
    // lastModified is this machine's clock: PUT responses carry no Last-Modified.
    return { key, size: counter.bytes, lastModified: new Date(), contentType: options.contentType };
  }

  /**
   * A conditional PUT (`If-None-Match: *`): S3 answers 412 when the key exists, and lets exactly
   * one of racing conditional writers through; a writer that meets another one still committing
   * gets 409, which is passed on as 503 (retry: by then the key is taken or free again).
   */
  async putIfAbsent(key: string, body: Uint8Array, options: PutOptions = {}): Promise<ObjectInfo | null> {
    const params = { Bucket: this.bucket, Key: this.objectKey(key), ContentType: options.contentType, IfNoneMatch: '*' };
    try {
      await this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.byteLength }));
    } catch (error) {
      const status = statusOf(error);
      if (status === 412) return null;
      if (status === 409) throw fail('unavailable', `a concurrent write to ${key} is committing; retry`, { retryAfter: 1, cause: error });
      throw storageFailure(key, error);
    }
    return { key, size: body.byteLength, lastModified: new Date(), contentType: options.contentType };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const Key = this.objectKey(key);
    if (range) checkRange(range);
    // An explicit `bytes=start-end` or `bytes=start-`, never a suffix range (`bytes=-N`).
    const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    let response: GetObjectCommandOutput;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range }));
    } catch (error) {
      if (isNotFound(error)) return null;
      if (isInvalidRange(error)) throw new RangeError(`range start ${range?.start ?? 0} is beyond the end of ${key}`, { cause: error });
      throw storageFailure(key, error);
    }
    const body = response.Body;
    if (!(body instanceof Readable)) throw fail('bad_gateway', `object storage returned no body for ${key}`);
    const delivered = parseContentRange(response.ContentRange);
    const size = delivered?.size ?? response.ContentLength ?? 0;
    const info = { key, size, lastModified: response.LastModified ?? new Date(0), contentType: response.ContentType };
    if (!range) return { ...info, body, range: undefined };
    let served: { start: number; end: number };
    try {
      served = clampRange(range, size);
    } catch (error) {
      body.destroy();
      throw error;
    }
    // Some servers answer a range with more than was asked (s3rver ignores `bytes=0-0`, others
    // send the whole object): cut the stream down to the range promised to the caller.
    const from = delivered ?? { start: 0, end: size - 1 };
    if (from.start > served.start || from.end < served.end) {
      body.destroy();
      throw fail('bad_gateway', `object storage returned bytes ${from.start}-${from.end} for ${served.start}-${served.end}`);
    }
    const exact = from.start === served.start && from.end === served.end;
    const sliced = exact ? body : sliceStream(body, served.start - from.start, served.end - served.start + 1);
    return { ...info, body: sliced, range: served };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const Key = this.objectKey(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        key,
        size: response.ContentLength ?? 0,
        lastModified: response.LastModified ?? new Date(0),
        contentType: response.ContentType,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storageFailure(key, error);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw storageFailure(key, error);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validatePrefix(prefix);
    let continuationToken: string | undefined;
    do {
      const page = await this.call(
        prefix,
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix || undefined,
            ContinuationToken: continuationToken,
            MaxKeys: this.listPageSize,
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length);
        // Objects written by something else with keys we could not address are left alone.
        if (key === undefined || !object.Key?.startsWith(this.prefix) || !isValidKey(key)) continue;
        yield { key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0), contentType: undefined };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let batch: string[] = [];
    // Continuation tokens resume after the last listed key, so deleting listed keys is safe.
    for await (const object of this.list(prefix)) {
      batch.push(object.key);
      if (batch.length === DELETE_BATCH) {
        deleted += await this.deleteBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) deleted += await this.deleteBatch(batch);
    return deleted;
  }

  /** S3's own multipart upload for keys of this storage (see multipartFor in multipart.ts). */
  multipart(): MultipartStorage {
    return new S3Multipart(this.client, this.bucket, (key) => this.objectKey(key));
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw fail('unavailable', `object storage bucket ${this.bucket} is not reachable`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async deleteBatch(keys: string[]): Promise<number> {
    const response = await this.call(
      keys[0] ?? '',
      this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((key) => ({ Key: this.objectKey(key) })), Quiet: true },
        }),
      ),
    );
    const errors = response.Errors ?? [];
    const first = errors[0];
    if (first)
      throw fail(
        'unavailable',
        `object storage could not delete ${errors.length} objects (${first.Code ?? 'error'} on ${first.Key ?? '?'})`,
      );
    return keys.length;
  }

  private objectKey(key: string): string {
    return this.prefix + validateKey(key);
  }

  private async call<T>(key: string, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      throw storageFailure(key, error);
    }
  }
}

/** `s3://bucket` or `s3://bucket/some/prefix[/]` → bucket and a prefix ending in `/` (or empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  const bucket = match?.[1];
  if (!match || bucket === undefined || !/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new ConfigError([`STORAGE_URL: ${JSON.stringify(url)} must be s3://bucket or s3://bucket/prefix`]);
  }
  const path = (match[2] ?? '').replace(/\/+$/, '');
  if (path !== '' && !isValidKey(path)) {
    throw new ConfigError([`STORAGE_URL: the prefix ${JSON.stringify(path)} must be /-separated segments of A-Z a-z 0-9 . _ -`]);
  }
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}

/** `bytes 0-9/100` → its numbers; undefined when absent or unreadable. */
function parseContentRange(header: string | undefined): { start: number; end: number; size: number } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  if (error.name === 'NoSuchBucket') return false;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
}

function isInvalidRange(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416);
}
