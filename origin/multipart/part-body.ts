import { createHash } from 'node:crypto';
import { finished, Transform, type Readable } from 'node:stream';
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
  /** The first `keepHead` bytes (fewer if the part is shorter): part 1's header check reads them. */
  head(): Buffer;
}

export function meterPart(
  source: Readable,
  options: { maxBytes: number; expectedBytes: number | undefined; keepHead?: number },
): MeteredPart {
  const hash = createHash('md5');
  let bytes = 0;
  let digest: string | undefined;
  const keepHead = options.keepHead ?? 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.maxBytes)
        return callback(fail('payload_too_large', `a part may be at most ${options.maxBytes} bytes (the upload's partSize)`));
      if (options.expectedBytes !== undefined && bytes > options.expectedBytes) {
        return callback(fail('invalid_request', `the part body is longer than its Content-Length of ${options.expectedBytes}`));
      }
      hash.update(chunk);
      if (headBytes < keepHead) {
        const kept = chunk.subarray(0, keepHead - headBytes);
        head.push(kept);
        headBytes += kept.length;
      }
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
    if (error)
      stream.destroy(
        isPixelfrontError(error)
          ? error
          : fail('invalid_request', 'the part body was interrupted before it was complete', { cause: error }),
      );
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
    head: () => Buffer.concat(head),
  };
}
