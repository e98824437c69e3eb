import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail, isPixelfrontError } from '../../core/errors.ts';
import { useTempFile } from '../temp/temp-files.ts';

/**
 * Streams an upload body into a private temp file while hashing it and counting bytes, so no
 * body is ever held whole in memory and the size limit stops the transfer the moment it is
 * crossed. The temp file is the input of validation; it is removed by `discard()`.
 */
export interface ReceivedFile {
  path: string;
  bytes: number;
  sha256: string;
  discard(): Promise<void>;
}

export async function receiveToTempFile(body: Readable, options: { tempDir: string; maxBytes: number }): Promise<ReceivedFile> {
  // Until the pipeline listens, an error of the body (a client gone, busboy failing a form)
  // would be an unhandled 'error' event and take the process down; the pipeline still sees
  // it, since the stream stays errored.
  const ignoreUntilPiped = () => undefined;
  body.on('error', ignoreUntilPiped);
  try {
    return await receive(body, options);
  } finally {
    body.off('error', ignoreUntilPiped);
  }
}

async function receive(body: Readable, options: { tempDir: string; maxBytes: number }): Promise<ReceivedFile> {
  const path = join(options.tempDir, `upload-${randomUUID()}`);
  // In use until discarded: the scratch sweeper never takes it, however long validation runs.
  const release = useTempFile(path);
  const discard = () => rm(path, { force: true }).finally(release);
  let file: FileHandle;
  try {
    await mkdir(options.tempDir, { recursive: true });
    // Opened before the pipeline: a lazily opened write stream could create the file after a
    // failed pipeline's discard() ran, and leave it behind.
    file = await open(path, 'wx');
  } catch (error) {
    release();
    // The pipeline never takes the body: release its source (a stored object's file or socket).
    body.destroy();
    throw error;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        callback(fail('payload_too_large', `upload exceeds the limit of ${options.maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, file.createWriteStream());
  } catch (error) {
    await discard();
    if (isPixelfrontError(error)) throw error;
    throw fail('invalid_request', 'the upload body was interrupted before it was complete', { cause: error });
  }
  return { path, bytes, sha256: hash.digest('hex'), discard };
}
