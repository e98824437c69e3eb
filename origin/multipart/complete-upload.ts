import type { Readable } from 'node:stream';
import { fail, isPixelfrontError, type ErrorCode } from '../../core/errors.ts';
import type { ImageRecord, SimilarImage } from '../catalog/types.ts';
import { ingestReceivedFile } from '../ingest/ingest-image.ts';
import { storedUserMetadata } from '../ingest/user-metadata.ts';
import { receiveToTempFile } from '../ingest/receive.ts';
import { nearDuplicatesOfImage } from '../similarity/near-duplicates.ts';
import { normalizeEtag } from '../storage/etags.ts';
import { planEager, type PlannedTransform } from '../transform/plan.ts';
import { keepLease } from './completion-lease.ts';
import { COMPLETION_LEASE_MS, MIN_PART_BYTES } from './limits.ts';
import type { UploadService } from './upload-service.ts';
import type { PartRow, UploadRow } from './upload-store.ts';

export interface RequestedPart {
  partNumber: number;
  etag: string;
}

export interface CompletedUpload {
  image: ImageRecord;
  deduplicated: boolean;
  nearDuplicates: SimilarImage[];
}

/**
 * Errors of the content itself: completion turned them into a rejected (aborted) upload. A near
 * duplicate refused with `duplicates: "reject"` is one too: its parts are freed like the others'.
 */
const contentErrors: ReadonlySet<ErrorCode> = new Set([
  'unsupported_media_type',
  'image_too_large',
  'corrupt_image',
  'payload_too_large',
  'near_duplicate',
]);

/**
 * Completes an upload: checks the part list, has the backend assemble the parts into one object
 * (S3 CompleteMultipartUpload) and copies it into a temp file while hashing, or on the file
 * backend streams the parts themselves into the temp file (no assembled object), and validates
 * and registers it exactly as a single upload (ingestReceivedFile). Repeating a completion
 * returns the same image (or the same rejection). Content that is not an acceptable image leaves
 * nothing behind: object, parts and temp file are deleted, the upload is aborted with the reason.
 * A completion holds a lease on the upload, so two replicas never complete one upload at once;
 * the lease is short and renewed while the work goes on (completion-lease.ts), so a crashed
 * completion is taken over within COMPLETION_LEASE_MS.
 */
export async function completeUpload(
  service: UploadService,
  tenant: string,
  id: string,
  requested: RequestedPart[] | undefined,
): Promise<CompletedUpload> {
  const { store } = service;
  const upload = await service.find(tenant, id);
  const repeated = await previousOutcome(service, upload);
  if (repeated) return repeated;
  if (upload.expires_at <= service.now()) throw fail('conflict', `upload ${id} expired at ${new Date(upload.expires_at).toISOString()}`);
  const leaseUntil = service.now() + COMPLETION_LEASE_MS;
  if (!(await store.lease(id, service.now(), leaseUntil))) {
    const again = await previousOutcome(service, await service.find(tenant, id));
    if (again) return again;
    throw fail('conflict', `upload ${id} is being completed by another request; retry shortly`);
  }
  const lease = keepLease(service, id, leaseUntil);
  try {
    return await completeLeased(service, upload, requested);
  } finally {
    lease.stop();
  }
}

/** The completion proper, while this request holds the upload's lease. */
async function completeLeased(service: UploadService, upload: UploadRow, requested: RequestedPart[] | undefined): Promise<CompletedUpload> {
  const { services, store, multipart } = service;
  const { id, tenant } = upload;
  // Read again under the lease: an earlier, interrupted completion may have assembled it already.
  const leased = await service.find(tenant, id);
  // Parts kept as stored objects are streamed straight into the temp file, never assembled into
  // an object of their own first; they stay until the upload is completed or refused, so a
  // completion that dies midway is simply done again.
  let streamed: Readable | undefined;
  try {
    if (leased.assembled === 0) {
      const parts = selectParts(leased, await store.parts(id), requested, service.maxBytes).map((part) => ({
        partNumber: part.part_number,
        etag: part.backend_etag,
      }));
      if (multipart.concatenate) {
        streamed = await multipart.concatenate(upload.storage_key, upload.backend_upload_id, parts);
      } else {
        await multipart.complete(upload.storage_key, upload.backend_upload_id, parts);
        await store.markAssembled(id, service.now());
      }
    }
  } catch (error) {
    // The part list was wrong or the backend failed: nothing is lost, the client may retry.
    await store.release(id, service.now());
    throw error;
  }
  const partsLeft = streamed !== undefined;

  let result: CompletedUpload;
  try {
    let body = streamed;
    if (!body) {
      const object = await services.storage.get(upload.storage_key);
      if (!object) throw fail('conflict', `the assembled object of upload ${id} is gone`);
      body = object.body;
    }
    const file = await receiveToTempFile(body, { tempDir: services.tempDir, maxBytes: service.maxBytes });
    const given = { filename: upload.filename, ...storedUserMetadata(upload.metadata) };
    result = await ingestReceivedFile(services, tenant, file, given, upload.duplicates === 'reject' ? 'reject' : 'allow');
  } catch (error) {
    if (isPixelfrontError(error) && (contentErrors.has(error.code) || error.code === 'conflict')) {
      await store.markAborted(id, service.now(), { force: true, error: { code: error.code, detail: error.message } });
      await service.freeStorage(upload, partsLeft);
    } else {
      await store.release(id, service.now());
    }
    throw error;
  }
  await store.markCompleted(id, result.image.id, result.deduplicated, service.now());
  await service.freeStorage(upload, partsLeft);
  await services.afterUpload(result.image, storedEager(service, upload));
  return result;
}

/**
 * The eager presets stored at creation (checked then), planned again now: the upload may have
 * taken a day. One since removed only skips the eager renders; the upload itself has succeeded.
 */
function storedEager(service: UploadService, upload: UploadRow): PlannedTransform[] {
  try {
    return planEager(service.services.grammar, upload.eager ?? undefined);
  } catch (error) {
    service.services.logger.warn('eager presets not queued', {
      uploadId: upload.id,
      eager: (upload.eager ?? '').slice(0, 200),
      code: isPixelfrontError(error) ? error.code : 'internal',
      detail: error instanceof Error ? error.message : String(error),
    });
    return [];
  }
}

/** The outcome of an earlier completion, replayed; undefined while the upload is still open. */
async function previousOutcome(service: UploadService, upload: UploadRow): Promise<CompletedUpload | undefined> {
  if (upload.state === 'completed') {
    const image = upload.image_id === null ? null : await service.services.catalog.getImage(upload.tenant, upload.image_id);
    if (!image) throw fail('conflict', `upload ${upload.id} was completed, but its image ${upload.image_id ?? ''} has since been deleted`);
    const nearDuplicates = await nearDuplicatesOfImage(service.services.catalog, image, service.services.config.nearDuplicateDistance);
    return { image, deduplicated: upload.deduplicated === 1, nearDuplicates };
  }
  if (upload.state === 'aborted') {
    if (upload.error_code !== null && isErrorCode(upload.error_code))
      throw fail(upload.error_code, upload.error_detail ?? 'the upload was rejected');
    throw fail('conflict', `upload ${upload.id} was aborted`);
  }
  return undefined;
}

function isErrorCode(code: string): code is ErrorCode {
  return contentErrors.has(code as ErrorCode) || code === 'conflict';
}

/**
 * The parts to assemble: the requested list (ascending, each received with that etag) or, by
 * default, every received part, which must then be 1…n without gaps. Every part but the last must
 * be at least MIN_PART_BYTES, and the total must match the size declared at creation.
 */
export function selectParts(upload: UploadRow, received: PartRow[], requested: RequestedPart[] | undefined, maxBytes: number): PartRow[] {
  const byNumber = new Map(received.map((part) => [part.part_number, part]));
  let selected: PartRow[];
  if (requested === undefined) {
    if (received.length === 0) throw fail('invalid_request', `upload ${upload.id} has no parts to complete`);
    const last = received[received.length - 1]?.part_number ?? 0;
    const missing = range(1, last).filter((n) => !byNumber.has(n));
    if (missing.length > 0)
      throw fail(
        'invalid_request',
        `parts missing: ${missing.join(', ')} (received ${received.map((part) => part.part_number).join(', ')})`,
      );
    selected = received;
  } else {
    if (requested.length === 0) throw fail('invalid_request', 'parts must list at least one part');
    const unordered = requested.filter((part, index) => index > 0 && part.partNumber <= (requested[index - 1]?.partNumber ?? 0));
    if (unordered.length > 0)
      throw fail('invalid_request', `parts must be in ascending order without repeats (part ${unordered[0]?.partNumber ?? '?'})`);
    const missing = requested.filter((part) => !byNumber.has(part.partNumber)).map((part) => part.partNumber);
    const mismatched = requested
      .filter((part) => byNumber.has(part.partNumber) && byNumber.get(part.partNumber)?.etag !== normalizeEtag(part.etag))
      .map((part) => part.partNumber);
    const problems = [
      missing.length > 0 ? `parts not received: ${missing.join(', ')}` : '',
      mismatched.length > 0 ? `parts whose etag does not match the received part: ${mismatched.join(', ')}` : '',
    ].filter(Boolean);
    if (problems.length > 0) throw fail('invalid_request', problems.join('; '));
    selected = requested.map((part) => byNumber.get(part.partNumber)).filter((part): part is PartRow => part !== undefined);
  }
  const small = selected
    .slice(0, -1)
    .filter((part) => part.size < MIN_PART_BYTES)
    .map((part) => part.part_number);
  if (small.length > 0)
    throw fail('invalid_request', `parts smaller than ${MIN_PART_BYTES} bytes that are not the last: ${small.join(', ')}`);
  const total = selected.reduce((sum, part) => sum + part.size, 0);
  if (total > maxBytes) throw fail('payload_too_large', `the parts hold ${total} bytes, over the multipart limit of ${maxBytes}`);
  if (upload.declared_size !== null && total !== upload.declared_size) {
    throw fail('invalid_request', `the parts hold ${total} bytes, but the upload declared size ${upload.declared_size}`);
  }
  return selected;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}
