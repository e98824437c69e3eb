import type { AwsS3Part, AwsS3UploadParameters, UploadPartBytesResult, UploadResult } from '@uppy/aws-s3';
import type { UppyFile } from '@uppy/core';
import { answer, client } from '../api.ts';
import type { ImageObject } from '../types.ts';
import { sendBytes, UploadRejected } from './send-bytes.ts';

/**
 * @uppy/aws-s3's custom hooks, mapped onto the service's own upload API instead of S3's: files
 * over MULTIPART_THRESHOLD go through the resumable `/v1/uploads` (create, one PUT per part, list
 * the received parts to resume, complete, abort), smaller ones in one `POST /v1/images`. Each
 * file's Title, Alt text and Tags (Uppy meta fields) become the upload's title, alt and tags.
 */

/**
 * What the Dashboard's meta fields hold per file, and `duplicates`, set for every file by the
 * view's "refuse near-duplicates" choice (Uppy's global meta).
 */
export type UploadMeta = { title?: string; alt?: string; tags?: string; duplicates?: 'allow' | 'reject' };
/** What an upload answers, as Uppy's upload-success passes it on. */
export type UploadedBody = { location: string; imageId?: string; deduplicated?: boolean };
export type UploadFile = UppyFile<UploadMeta, UploadedBody>;

const MiB = 1024 * 1024;
/** Above this a file goes in parts; below, one request is cheaper and a retry costs little. */
export const MULTIPART_THRESHOLD = 8 * MiB;
/** The service's limits (origin/multipart/limits.ts): parts of at least 5 MiB, at most 10000 of them. */
const PART_BYTES = 8 * MiB;
const MAX_PARTS = 10_000;
/** The raw single-file upload; its answer is the image. */
const SINGLE_UPLOAD_PATH = '/v1/images';

/**
 * The part size for a file: 8 MiB, grown in whole MiB until the file fits in 10000 parts, which
 * is how the service chooses it too (choosePartSize), so the chunks Uppy cuts before the upload
 * exists are the size the service will expect.
 */
export function partSizeFor(size: number): number {
  return Math.max(PART_BYTES, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/** Title, alt and tags as typed: blank ones are left out (the service refuses empty strings). */
export function metadataOf(meta: Partial<UploadMeta>): Pick<UploadMeta, 'title' | 'alt' | 'tags'> {
  const fields: Pick<UploadMeta, 'title' | 'alt' | 'tags'> = {};
  for (const name of ['title', 'alt', 'tags'] as const) {
    const value = meta[name]?.trim();
    if (value) fields[name] = value;
  }
  return fields;
}

/** `duplicates=reject` when asked for (a 409 near_duplicate then refuses a near copy); the service's default otherwise. */
function duplicatesOf(meta: Partial<UploadMeta>): { duplicates?: 'reject' } {
  return meta.duplicates === 'reject' ? { duplicates: 'reject' } : {};
}

function imageBody(image: ImageObject & { deduplicated?: boolean }): UploadedBody {
  return { location: `/v1/images/${image.id}`, imageId: image.id, deduplicated: image.deduplicated ?? false };
}

export const uploadHooks = {
  shouldUseMultipart: (file: UploadFile) => (file.size ?? 0) > MULTIPART_THRESHOLD,
  getChunkSize: (file: { size: number }) => partSizeFor(file.size),

  async createMultipartUpload(file: UploadFile): Promise<UploadResult> {
    const size = file.size ?? 0;
    const partSize = partSizeFor(size);
    const created = await answer(
      client.POST('/v1/uploads', {
        body: {
          filename: file.name,
          ...(file.type ? { contentType: file.type } : {}),
          size,
          partSize,
          ...metadataOf(file.meta),
          ...duplicatesOf(file.meta),
        },
      }),
    );
    if (created.partSize !== partSize) throw new Error(`the service chose parts of ${created.partSize} bytes, not ${partSize}`);
    // S3 names an upload by bucket key and upload id; here the upload id alone names it.
    return { uploadId: created.uploadId, key: created.uploadId };
  },

  signPart(_file: UploadFile, { uploadId, partNumber }: { uploadId: string; partNumber: number }): AwsS3UploadParameters {
    // Nothing to sign: the session cookie and the CSRF header authenticate each part.
    return { method: 'PUT', url: `/v1/uploads/${encodeURIComponent(uploadId)}/parts/${partNumber}` };
  },

  /** On resume: the parts the service already holds are not sent again. */
  async listParts(_file: UploadFile, { uploadId, signal }: { uploadId?: string; signal?: AbortSignal }): Promise<AwsS3Part[]> {
    const status = await answer(client.GET('/v1/uploads/{id}', { params: { path: { id: uploadId ?? '' } }, signal }));
    return status.parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag, Size: part.size }));
  },

  async completeMultipartUpload(
    _file: UploadFile,
    { uploadId, parts, signal }: { uploadId: string; parts: AwsS3Part[]; signal?: AbortSignal },
  ): Promise<UploadedBody> {
    const listed = parts.flatMap((part) =>
      part.PartNumber !== undefined && part.ETag !== undefined ? [{ partNumber: part.PartNumber, etag: part.ETag }] : [],
    );
    const image = await answer(
      client.POST('/v1/uploads/{id}/complete', { params: { path: { id: uploadId } }, body: { parts: listed }, signal }),
    );
    return imageBody(image);
  },

  async abortMultipartUpload(_file: UploadFile, { uploadId }: { uploadId?: string }): Promise<void> {
    if (uploadId) await answer(client.DELETE('/v1/uploads/{id}', { params: { path: { id: uploadId } } }));
  },

  getUploadParameters(file: UploadFile): AwsS3UploadParameters {
    const query = new URLSearchParams({ filename: file.name ?? 'upload', ...metadataOf(file.meta), ...duplicatesOf(file.meta) });
    // aws-s3 sends a POST as an S3 form and a PUT as the bytes alone; the service takes the bytes
    // alone, so this says PUT and uploadPartBytes sends it as the POST the service expects.
    return {
      method: 'PUT',
      url: `${SINGLE_UPLOAD_PATH}?${query.toString()}`,
      headers: { 'content-type': file.type || 'application/octet-stream' },
    };
  },

  async uploadPartBytes({
    signature,
    body,
    onProgress,
    onComplete,
    signal,
  }: {
    signature: AwsS3UploadParameters;
    body: FormData | Blob;
    onProgress: (event: ProgressEvent) => void;
    onComplete: (etag: string) => void;
    signal?: AbortSignal;
  }): Promise<UploadPartBytesResult & Partial<UploadedBody>> {
    if (!(body instanceof Blob)) throw new Error('the uploader sends files as their bytes, never as a form');
    const single = signature.url.startsWith(`${SINGLE_UPLOAD_PATH}?`);
    const sent = await sendBytes({
      method: single ? 'POST' : 'PUT',
      url: signature.url,
      body,
      ...(signature.headers ? { headers: signature.headers } : {}),
      onProgress,
      ...(signal ? { signal } : {}),
    });
    if (single) {
      const image = sent.body as ImageObject & { deduplicated?: boolean };
      onComplete(image.sha256);
      return { ETag: image.sha256, ...imageBody(image) };
    }
    const etag = sent.etag ?? (sent.body as { etag?: string } | undefined)?.etag;
    if (!etag)
      throw new UploadRejected({
        type: 'about:blank',
        title: 'No ETag',
        status: 502,
        detail: 'the part was answered without its ETag',
        code: 'unavailable',
      });
    onComplete(etag);
    return { ETag: etag };
  },
};
