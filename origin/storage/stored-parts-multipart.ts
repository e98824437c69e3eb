import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fail } from '../../core/errors.ts';
import { normalizeEtag } from './etags.ts';
import type { MultipartStorage, PartReceipt, PartRef } from './multipart-types.ts';
import { toBytes } from './streams.ts';
import type { ObjectInfo, ObjectStorage, PutOptions } from './types.ts';

/**
 * Multipart uploads for backends without a native one (the file backend): each part is an
 * object `<key>.parts/<uploadId>/<part number>`, written atomically by `put`, so a re-sent part
 * replaces the old one whole. Its etag is its MD5, as on S3. `concatenate` streams the parts, in
 * order, while checking every part's MD5 against the etag it is listed with, so a part replaced
 * after the caller read its etag is caught, as S3 would (InvalidPart); `complete` writes that
 * stream as one `put` of `key` (upload completion reads `concatenate` instead, saving the copy).
 */
export class StoredPartsMultipart implements MultipartStorage {
  constructor(private readonly storage: ObjectStorage) {}

  async create(_key: string, _options?: PutOptions): Promise<string> {
    // Nothing to write yet: the upload exists through its parts.
    return randomBytes(12).toString('hex');
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    _size: number,
    md5?: () => string,
  ): Promise<PartReceipt> {
    if (md5) {
      const info = await this.storage.put(partKey(key, uploadId, partNumber), body);
      return { partNumber, etag: md5(), size: info.size };
    }
    const hash = createHash('md5');
    async function* hashed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body as AsyncIterable<unknown>) {
        const bytes = toBytes(chunk);
        hash.update(bytes);
        yield bytes;
      }
    }
    const info = await this.storage.put(partKey(key, uploadId, partNumber), Readable.from(hashed(), { objectMode: false }));
    return { partNumber, etag: hash.digest('hex'), size: info.size };
  }

  async complete(key: string, uploadId: string, parts: readonly PartRef[]): Promise<ObjectInfo> {
    const info = await this.storage.put(key, await this.concatenate(key, uploadId, parts));
    await this.abort(key, uploadId);
    return info;
  }

  async concatenate(key: string, uploadId: string, parts: readonly PartRef[]): Promise<Readable> {
    const missing: number[] = [];
    for (const part of parts) {
      if ((await this.storage.head(partKey(key, uploadId, part.partNumber))) === null) missing.push(part.partNumber);
    }
    if (missing.length > 0) throw fail('invalid_request', `parts not found: ${missing.join(', ')}`);
    return Readable.from(this.partBytes(key, uploadId, parts), { objectMode: false });
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.storage.deletePrefix(partsPrefix(key, uploadId));
  }

  private async *partBytes(key: string, uploadId: string, parts: readonly PartRef[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      const stored = await this.storage.get(partKey(key, uploadId, part.partNumber));
      if (stored === null) throw fail('invalid_request', `part ${part.partNumber} was removed during completion`);
      const hash = createHash('md5');
      for await (const chunk of stored.body as AsyncIterable<unknown>) {
        const bytes = toBytes(chunk);
        hash.update(bytes);
        yield bytes;
      }
      if (hash.digest('hex') !== normalizeEtag(part.etag)) {
        throw fail('invalid_request', `part ${part.partNumber} does not match etag ${normalizeEtag(part.etag)}`);
      }
    }
  }
}

function partsPrefix(key: string, uploadId: string): string {
  return `${key}.parts/${uploadId}/`;
}

function partKey(key: string, uploadId: string, partNumber: number): string {
  return `${partsPrefix(key, uploadId)}${String(partNumber).padStart(5, '0')}`;
}
