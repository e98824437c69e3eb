import { basename } from 'node:path';
import { isTransient, type ApiClient, type ImageObject, type Problem, type Result } from './api-client.ts';
import { fileSha256 } from './content-hash.ts';
import type { LocalFile } from './find-images.ts';
import { clearState, loadState, saveState, stateFile } from './resume-state.ts';

type Failure = Extract<Result<unknown>, { ok: false }>;

export type OutcomeStatus = 'ok' | 'deduplicated' | 'rejected' | 'failed' | 'interrupted';

export interface FileOutcome {
  file: string;
  bytes: number;
  status: OutcomeStatus;
  id?: string;
  /** Not sent: the server already had these bytes (asked by SHA-256 first). */
  skipped?: boolean;
  /** Multipart: parts sent by this run, and whether it resumed an earlier one. */
  partsSent?: number;
  resumed?: boolean;
  error?: Problem;
}

export interface UploadContext {
  api: ApiClient;
  endpoint: string;
  eager: string | undefined;
  concurrency: number;
  multipartThreshold: number;
  partSize: number | undefined;
  stateDir: string;
  /** Called as bytes are acknowledged by the server. */
  onBytes(bytes: number): void;
  /** Ctrl-C: what is in flight is abandoned, and the file is reported `interrupted`. */
  signal?: AbortSignal;
}

/**
 * Uploads one file unless the server already has its bytes, in one request or as a resumable
 * multipart upload. Never throws for HTTP outcomes.
 */
export async function uploadFile(ctx: UploadContext, file: LocalFile): Promise<FileOutcome> {
  const result = await sendUnlessKnown(ctx, file).catch((error: unknown): FileOutcome => ({
    file: file.path,
    bytes: file.size,
    status: 'failed',
    error: { status: 0, code: 'client_error', detail: error instanceof Error ? error.message : String(error) },
  }));
  // A request cut by Ctrl-C is not the server's doing: no answer came (status 0).
  const cut = ctx.signal?.aborted === true && result.status === 'failed' && result.error?.status === 0;
  return cut ? { ...result, status: 'interrupted', error: { status: 0, code: 'interrupted', detail: 'stopped by Ctrl-C' } } : result;
}

async function sendUnlessKnown(ctx: UploadContext, file: LocalFile): Promise<FileOutcome> {
  const known = await ctx.api.findBySha256(await fileSha256(file.path, ctx.signal));
  if (known) {
    // Done by an earlier run, perhaps one cut off before it could forget its multipart state
    // (any size: a file under the threshold goes multipart when the server says it is too large).
    await clearState(stateFile(ctx.stateDir, ctx.endpoint, file));
    ctx.onBytes(file.size);
    return { file: file.path, bytes: file.size, status: 'deduplicated', id: known.id, skipped: true };
  }
  if (file.size <= ctx.multipartThreshold) {
    const result = await ctx.api.uploadImage(file.path, basename(file.path), ctx.eager);
    if (result.ok) ctx.onBytes(file.size);
    // Over the server's MAX_UPLOAD_BYTES (below the threshold here): where its 413 says large files go.
    if (!result.ok && result.problem.status === 413) return uploadMultipart(ctx, file);
    return outcome(file, result);
  }
  return uploadMultipart(ctx, file);
}

async function uploadMultipart(ctx: UploadContext, file: LocalFile): Promise<FileOutcome> {
  const { api } = ctx;
  const statePath = stateFile(ctx.stateDir, ctx.endpoint, file);
  let state = await loadState(statePath);
  const received = new Map<number, { etag: string; size: number }>();
  let resumed = false;
  if (state) {
    const status = await api.getUpload(state.uploadId);
    if (status.ok && status.value.state === 'open') {
      resumed = true;
      for (const part of status.value.parts) received.set(part.partNumber, { etag: part.etag, size: part.size });
    } else if (status.ok && status.value.state === 'completed') {
      // Completed by the earlier run just before it was interrupted: completing again returns the image.
      const done = await api.completeUpload(state.uploadId, undefined);
      if (done.ok) await clearState(statePath);
      return { ...outcome(file, done), resumed: true, partsSent: 0 };
    } else {
      state = undefined; // aborted, expired or unknown: start over
    }
  }
  if (!state) {
    const created = await api.createUpload({
      filename: basename(file.path),
      size: file.size,
      ...(ctx.partSize ? { partSize: ctx.partSize } : {}),
      ...(ctx.eager ? { eager: ctx.eager } : {}),
    });
    if (!created.ok) return outcome(file, created);
    state = {
      uploadId: created.value.uploadId,
      partSize: created.value.partSize,
      endpoint: ctx.endpoint,
      path: file.path,
      size: file.size,
      mtimeMs: file.mtimeMs,
    };
    await saveState(statePath, state);
  }

  const { uploadId, partSize } = state;
  const count = Math.max(1, Math.ceil(file.size / partSize));
  const sizeOf = (n: number) => Math.min(partSize, file.size - (n - 1) * partSize);
  const missing: number[] = [];
  for (let n = 1; n <= count; n += 1) {
    const have = received.get(n);
    if (have && have.size === sizeOf(n)) ctx.onBytes(have.size);
    else missing.push(n);
  }

  // A holder, not a `let`: the workers below set it, which control-flow narrowing cannot see.
  const run: { failure: Failure | undefined } = { failure: undefined };
  let sent = 0;
  let next = 0;
  const worker = async () => {
    while (run.failure === undefined && next < missing.length) {
      const n = missing[next++] ?? 0;
      const result = await api.putPart(uploadId, n, file.path, (n - 1) * partSize, sizeOf(n));
      if (!result.ok) {
        run.failure ??= result;
        return;
      }
      received.set(n, { etag: result.value.etag, size: result.value.size });
      sent += 1;
      ctx.onBytes(result.value.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.concurrency, missing.length) }, worker));
  const { failure } = run;
  if (failure !== undefined) {
    // A conflict means the upload is gone (aborted or expired): the next run starts afresh.
    if (failure.problem.status === 404 || failure.problem.status === 409) await clearState(statePath);
    return { ...outcome(file, failure), partsSent: sent, resumed };
  }

  const parts = Array.from({ length: count }, (_, index) => ({ partNumber: index + 1, etag: received.get(index + 1)?.etag ?? '' }));
  const completed = await api.completeUpload(uploadId, parts);
  // Done, or refused for good (not an image): either way there is nothing left to resume.
  if (completed.ok || completed.problem.status < 500) await clearState(statePath);
  return { ...outcome(file, completed), partsSent: sent, resumed };
}

function outcome(file: LocalFile, result: Result<ImageObject> | Result<unknown>): FileOutcome {
  if (result.ok) {
    const image = result.value as ImageObject;
    return { file: file.path, bytes: file.size, status: image.deduplicated ? 'deduplicated' : 'ok', id: image.id };
  }
  return { file: file.path, bytes: file.size, status: isTransient(result.problem) ? 'failed' : 'rejected', error: result.problem };
}
