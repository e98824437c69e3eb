import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { fail, isPixelfrontError, type PixelfrontError } from '../../core/errors.ts';
import { receiveToTempFile, type ReceivedFile } from './receive.ts';

/** One file part of a bulk form: received to a temp file, or refused while receiving. */
export type FormFile =
  | { filename: string | null; received: ReceivedFile; error?: undefined }
  | { filename: string | null; received?: undefined; error: PixelfrontError };

export interface ReceivedForm {
  files: FormFile[];
  fields: Record<string, string>;
}

export const MAX_FORM_FILES = 1000;
const MAX_FORM_FIELDS = 100;

/**
 * Receives a multipart/form-data body: every file part is streamed to its own temp file with
 * the per-file byte limit (busboy truncates at the limit, which makes that item a 413 while
 * the rest of the form goes on). Text fields are kept (small) for options such as `eager`.
 */
export function receiveForm(
  body: Readable,
  headers: IncomingHttpHeaders,
  options: { tempDir: string; maxBytes: number },
): Promise<ReceivedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        limits: {
          fileSize: options.maxBytes,
          files: MAX_FORM_FILES,
          fields: MAX_FORM_FIELDS,
          fieldSize: 64 * 1024,
          parts: MAX_FORM_FILES + MAX_FORM_FIELDS,
        },
      });
    } catch (error) {
      reject(fail('invalid_request', `malformed multipart request: ${(error as Error).message}`));
      return;
    }
    const files: Promise<FormFile>[] = [];
    const fields: Record<string, string> = {};
    let failed = false;
    const abort = (error: PixelfrontError) => {
      if (failed) return;
      failed = true;
      body.unpipe(parser);
      body.resume(); // drain the rest so the connection can answer
      // Ends the file part in flight, which otherwise waits forever for bytes that will not come
      // (a client gone mid-file) and keeps its temp file and the request open.
      parser.destroy();
      // The temp files are gone before the answer goes out, not some time after.
      void Promise.allSettled(files)
        .then((settled) =>
          Promise.allSettled(settled.map(async (item) => (item.status === 'fulfilled' ? item.value.received?.discard() : undefined))),
        )
        .then(() => reject(error));
    };

    parser.on('file', (_name, stream, info) => {
      // busboy goes on emitting the parts of a chunk it is parsing after an abort; such a part's
      // temp file would come after the cleanup and stay behind.
      if (failed) {
        stream.resume();
        return;
      }
      files.push(receivePart(stream, info.filename ?? null, options));
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    // Past any limit busboy silently skips the rest of the form: refuse it instead of answering
    // for only the parts that were read (a dropped file or `eager` field would go unnoticed).
    parser.on('filesLimit', () => abort(fail('payload_too_large', `a form may carry at most ${MAX_FORM_FILES} files`)));
    parser.on('fieldsLimit', () => abort(fail('payload_too_large', `a form may carry at most ${MAX_FORM_FIELDS} text fields`)));
    parser.on('partsLimit', () => abort(fail('payload_too_large', `a form may carry at most ${MAX_FORM_FILES + MAX_FORM_FIELDS} parts`)));
    parser.on('error', (error: Error) => abort(fail('invalid_request', `malformed multipart body: ${error.message}`)));
    parser.on('close', () => {
      if (failed) return;
      void Promise.all(files).then((received) => resolve({ files: received, fields }), reject);
    });
    // A body timeout (408) keeps its code; any other body failure is a client gone mid-form.
    body.on('error', (error: unknown) =>
      abort(isPixelfrontError(error) ? error : fail('invalid_request', 'the upload body was interrupted before it was complete')),
    );
    body.pipe(parser);
  });
}

async function receivePart(
  stream: Readable & { truncated?: boolean },
  filename: string | null,
  options: { tempDir: string; maxBytes: number },
): Promise<FormFile> {
  try {
    // busboy enforces the limit (it truncates); the meter only needs to never trip first.
    const received = await receiveToTempFile(stream, { tempDir: options.tempDir, maxBytes: Number.MAX_SAFE_INTEGER });
    if (stream.truncated) {
      await received.discard();
      return { filename, error: fail('payload_too_large', `file exceeds the limit of ${options.maxBytes} bytes`) };
    }
    return { filename, received };
  } catch (error) {
    stream.resume();
    return { filename, error: isPixelfrontError(error) ? error : fail('invalid_request', 'file part could not be received') };
  }
}
