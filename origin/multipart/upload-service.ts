import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { fail, isPixelfrontError } from '../../core/errors.ts';
import { newImageId } from '../../core/ids.ts';
import { receiveToTempFile } from '../ingest/receive.ts';
import type { IngestDeps } from '../ingest/ingest-image.ts';
import type { Services } from '../services.ts';
import { uploadObjectKey, uploadPrefix } from '../storage/layout.ts';
import { multipartFor, type MultipartStorage } from '../storage/multipart.ts';
import { choosePartSize, MAX_MULTIPART_BYTES } from './limits.ts';
import type { DuplicatePolicy } from '../similarity/near-duplicates.ts';
import { checkFirstPart, FIRST_PART_HEAD_BYTES } from './first-part-check.ts';
import { meterPart } from './part-body.ts';
import { UploadStore, type PartRow, type UploadRow } from './upload-store.ts';

export interface NewUpload {
  filename: string | null;
  contentType: string | null;
  size: number | undefined;
  partSize: number | undefined;
  eager: string | null;
  /** The UserMetadata for the image, as JSON text (userMetadataText). */
  metadata: string | null;
  /** What completion does with a near duplicate (`?duplicates=` of a single upload). */
  duplicates: DuplicatePolicy;
}

export interface PartInfo {
  partNumber: number;
  /** MD5 hex of the part, unquoted. */
  etag: string;
  size: number;
}

/** What multipart uploads use of the services: ingest's own, scratch space, and what follows a stored upload. */
export type UploadDeps = IngestDeps & Pick<Services, 'tempDir' | 'grammar' | 'afterUpload'>;

export interface UploadServiceOptions {
  /** The clock, for expiry tests. */
  now?: () => number;
  /** Overrides MAX_MULTIPART_BYTES. */
  maxBytes?: number;
}

/**
 * Multipart uploads (SPEC section 4, `/v1/uploads`): state in the catalog, bytes in storage
 * (S3's own multipart upload, or parts under `uploads/<id>/` on the file backend).
 * Completion lives in complete-upload.ts.
 */
export class UploadService {
  readonly store: UploadStore;
  readonly multipart: MultipartStorage;
  readonly maxBytes: number;
  readonly now: () => number;

  constructor(
    readonly services: UploadDeps,
    options: UploadServiceOptions = {},
  ) {
    this.store = new UploadStore(services.db);
    this.multipart = multipartFor(services.storage);
    this.maxBytes = options.maxBytes ?? MAX_MULTIPART_BYTES;
    this.now = options.now ?? Date.now;
  }

  async create(tenant: string, input: NewUpload): Promise<UploadRow> {
    if (input.size !== undefined && input.size > this.maxBytes) {
      throw fail('payload_too_large', `a multipart upload may be at most ${this.maxBytes} bytes, not ${input.size}`);
    }
    const id = newImageId();
    const key = uploadObjectKey(id);
    const backendUploadId = await this.multipart.create(key, input.contentType ? { contentType: input.contentType } : {});
    const now = this.now();
    const row: UploadRow = {
      id,
      tenant,
      filename: input.filename,
      content_type: input.contentType,
      declared_size: input.size ?? null,
      part_size: choosePartSize(input.size, input.partSize),
      eager: input.eager,
      metadata: input.metadata,
      duplicates: input.duplicates === 'reject' ? 'reject' : null,
      state: 'open',
      storage_key: key,
      backend_upload_id: backendUploadId,
      assembled: 0,
      lease_until: null,
      image_id: null,
      deduplicated: 0,
      error_code: null,
      error_detail: null,
      expires_at: now + this.services.config.uploadExpiryHours * 3600 * 1000,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.store.insert(row);
    } catch (error) {
      await this.multipart.abort(key, backendUploadId).catch(() => undefined);
      throw error;
    }
    return row;
  }

  /** The tenant's upload, or 404 (another tenant's counts as unknown). */
  async find(tenant: string, id: string): Promise<UploadRow> {
    const upload = await this.store.get(tenant, id);
    if (!upload) throw fail('not_found', `upload ${id} not found`);
    return upload;
  }

  /** The tenant's uploads in progress (GET /v1/uploads). */
  listOpen(tenant: string, page: { limit: number; cursor?: string | undefined }) {
    return this.store.listOpen(tenant, this.now(), page);
  }

  async parts(id: string): Promise<PartRow[]> {
    return this.store.parts(id);
  }

  /** Streams part n to storage; `contentLength` undefined means the body is chunked. */
  async putPart(tenant: string, id: string, partNumber: number, body: Readable, contentLength: number | undefined): Promise<PartInfo> {
    const upload = await this.find(tenant, id);
    this.assertAcceptsParts(upload);
    const maxBytes = upload.part_size;
    if (contentLength !== undefined && contentLength > maxBytes) {
      throw fail('payload_too_large', `part ${partNumber} of ${contentLength} bytes exceeds the upload's partSize of ${maxBytes}`);
    }
    const otherParts = (await this.store.parts(id)).filter((part) => part.part_number !== partNumber);
    const otherBytes = otherParts.reduce((sum, part) => sum + part.size, 0);
    if (contentLength !== undefined) this.checkTotal(upload, partNumber, otherBytes, contentLength);

    // S3's UploadPart needs the length before the first byte: a chunked part is spooled first.
    const spooled = contentLength === undefined ? await receiveToTempFile(body, { tempDir: this.services.tempDir, maxBytes }) : undefined;
    if (spooled) {
      try {
        this.checkTotal(upload, partNumber, otherBytes, spooled.bytes);
      } catch (error) {
        await spooled.discard();
        throw error;
      }
    }
    let info: PartInfo;
    let backendEtag: string;
    let head: Buffer;
    try {
      const size = spooled?.bytes ?? contentLength ?? 0;
      const metered = meterPart(spooled ? createReadStream(spooled.path) : body, {
        maxBytes,
        expectedBytes: size,
        keepHead: partNumber === 1 ? FIRST_PART_HEAD_BYTES : 0,
      });
      const receipt = await this.multipart.uploadPart(upload.storage_key, upload.backend_upload_id, partNumber, metered.stream, size, () =>
        metered.md5(),
      );
      info = { partNumber, etag: metered.md5(), size: metered.bytes() };
      backendEtag = receipt.etag;
      head = metered.head();
    } finally {
      await spooled?.discard();
    }

    // The upload may have been completed or aborted while this part streamed: then the part is
    // not part of anything, and its bytes must not stay behind.
    const now = await this.store.get(tenant, id);
    if (!now || now.state !== 'open') {
      await this.freeStorage(upload, false);
      throw fail('conflict', `upload ${id} was ${now?.state ?? 'removed'} while part ${partNumber} was being received`);
    }
    if (partNumber === 1) await this.checkHead(upload, head, info.size);
    await this.store.savePart({
      upload_id: id,
      part_number: partNumber,
      etag: info.etag,
      backend_etag: backendEtag,
      size: info.size,
      uploaded_at: this.now(),
    });
    return info;
  }

  /**
   * Refuses a part that would take the upload past the multipart limit, or past the size it
   * declared at creation (completion would refuse the sum anyway; this says so on the PUT).
   */
  private checkTotal(upload: UploadRow, partNumber: number, otherBytes: number, partBytes: number): void {
    const total = otherBytes + partBytes;
    if (total > this.maxBytes) throw fail('payload_too_large', `the upload would exceed the multipart limit of ${this.maxBytes} bytes`);
    if (upload.declared_size !== null && total > upload.declared_size) {
      throw fail(
        'payload_too_large',
        `part ${partNumber} of ${partBytes} bytes would take the upload to ${total} bytes, past its declared size of ${upload.declared_size} (the other parts hold ${otherBytes})`,
      );
    }
  }

  /**
   * Part 1 holds the head of the file: a format pixelfront does not take (415) or a size over
   * MAX_INPUT_PIXELS (422) fails the upload now, as completion would have, and frees its parts.
   */
  private async checkHead(upload: UploadRow, head: Buffer, partBytes: number): Promise<void> {
    try {
      await checkFirstPart(head, {
        wholeFile: upload.declared_size !== null && partBytes === upload.declared_size,
        maxInputPixels: this.services.config.maxInputPixels,
      });
    } catch (error) {
      if (!isPixelfrontError(error)) throw error;
      // A completion that took the lease meanwhile decides from the whole file instead.
      if (!(await this.store.markAborted(upload.id, this.now(), { error: { code: error.code, detail: error.message } }))) {
        throw fail('conflict', `upload ${upload.id} is being completed; part 1 was not kept`);
      }
      await this.freeStorage(upload, true);
      throw error;
    }
  }

  /** Aborts an open upload and frees its parts; aborting an aborted upload is a no-op. */
  async abort(tenant: string, id: string): Promise<void> {
    const upload = await this.find(tenant, id);
    if (upload.state === 'aborted') return;
    if (upload.state === 'completed') throw fail('conflict', `upload ${id} is completed; delete image ${upload.image_id ?? ''} instead`);
    if (!(await this.store.markAborted(id, this.now()))) {
      throw fail('conflict', `upload ${id} is being completed and cannot be aborted now`);
    }
    await this.freeStorage(upload, upload.assembled === 0);
  }

  /**
   * Aborts open uploads past their expiry and frees their parts; forgets finished uploads a
   * week past theirs. Returns how many uploads it aborted.
   */
  async sweep(retentionMs: number, batch = 100): Promise<number> {
    const now = this.now();
    let aborted = 0;
    for (;;) {
      const expired = await this.store.expired(now, batch);
      for (const upload of expired) {
        if (!(await this.store.markAborted(upload.id, now))) continue;
        aborted += 1;
        // One upload whose storage fails must not keep the rest of the sweep from running.
        await this.freeStorage(upload, upload.assembled === 0).catch((error: unknown) => {
          this.services.logger.warn('expired upload aborted, but its parts could not be freed', {
            uploadId: upload.id,
            error: String(error),
          });
        });
      }
      if (expired.length < batch) break;
    }
    await this.store.purgeFinished(now - retentionMs);
    return aborted;
  }

  /** Removes the upload's bytes: the backend's parts (when not yet assembled) and its folder. */
  async freeStorage(upload: UploadRow, abortParts: boolean): Promise<void> {
    if (abortParts) await this.multipart.abort(upload.storage_key, upload.backend_upload_id);
    await this.services.storage.deletePrefix(uploadPrefix(upload.id));
  }

  private assertAcceptsParts(upload: UploadRow): void {
    if (upload.state !== 'open') throw fail('conflict', `upload ${upload.id} is ${upload.state}; it takes no more parts`);
    if (upload.expires_at <= this.now())
      throw fail('conflict', `upload ${upload.id} expired at ${new Date(upload.expires_at).toISOString()}`);
    if (upload.assembled === 1 || (upload.lease_until !== null && upload.lease_until > this.now())) {
      throw fail('conflict', `upload ${upload.id} is being completed; it takes no more parts`);
    }
  }
}
