import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail, isPixelfrontError } from '../../core/errors.ts';

/**
 * The body of one part on its way to storage: MD5 (the part's etag) and bytes counted as they
 * pass, the part size limit enforced the moment it is crossed, and a body that ends short of its
 * declared Content-Length failed rather than stored truncated. Nothing is buffered beyond the
 * stream's own high-water mark.
 */
export interface MeteredPart {
  stream: Transform;
  /** Valid once the stream has ended. */
  md5(): string;
  bytes(): number;
}

export function meterPart(source: Readable, options: { maxBytes: number; expectedBytes: number | undefined }): MeteredPart {
  const hash = createHash('md5');
  let bytes = 0;
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) return callback(fail('payload_too_large', `a part may be at most ${options.maxBytes} bytes (the upload's partSize)`));
      if (options.expectedBytes !== undefined && bytes > options.expectedBytes) {
        return callback(fail('invalid_request', `the part body is longer than its Content-Length of ${options.expectedBytes}`));
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (options.expectedBytes !== undefined && bytes !== options.expectedBytes) {
        return callback(fail('invalid_request', `the part body ended after ${bytes} of ${options.expectedBytes} bytes`));
      }
      digest = hash.digest('hex');
      callback();
    },
  });
  // finished() also reports a source that failed before we got here (a client gone while the
  // upload row was read), which a late 'error' listener would miss and leave the meter waiting.
  finished(source, { writable: false }, (error) => {
    if (error) stream.destroy(isPixelfrontError(error) ? error : fail('invalid_request', 'the part body was interrupted before it was complete', { cause: error }));
  });
  // Storage starts reading only after its own awaits (mkdir, open); until then a failure must not
  // be an unhandled 'error' event. The stream stays errored, so the reader still gets it.
  stream.on('error', () => undefined);
  // When the consumer gives up (storage failed), stop reading the client's body too.
  stream.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  source.pipe(stream);
  return {
    stream,
    md5: () => digest ?? hash.copy().digest('hex'),
    bytes: () => bytes,
  };
}

/**
 * A part sent without Content-Length (chunked) is spooled to a temp file first: S3's UploadPart
 * needs the length before the first byte. The part size limit stops the spool early.
 */
export async function spoolPart(source: Readable, options: { tempDir: string; maxBytes: number }): Promise<{ path: string; bytes: number; open(): Readable; discard(): Promise<void> }> {
  await mkdir(options.tempDir, { recursive: true });
  const path = join(options.tempDir, `part-${randomUUID()}`);
  const discard = () => rm(path, { force: true });
  // Opened before the pipeline: a lazily opened write stream could create the file after a
  // failed pipeline's discard() ran, and leave it behind.
  const file = await open(path, 'wx');
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) return callback(fail('payload_too_large', `a part may be at most ${options.maxBytes} bytes (the upload's partSize)`));
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, limit, file.createWriteStream());
  } catch (error) {
    await discard();
    if (isPixelfrontError(error)) throw error;
    throw fail('invalid_request', 'the part body was interrupted before it was complete', { cause: error });
  }
  return { path, bytes, open: () => createReadStream(path), discard };
}
