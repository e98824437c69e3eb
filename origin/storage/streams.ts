import { Readable } from 'node:stream';

/** Small stream helpers shared by the backends. */

/** A chunk of a body as bytes; object-mode streams are a programming error. */
export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError('a storage body must yield bytes');
}

export interface CountedStream {
  stream: Readable;
  readonly bytes: number;
  /** Set when the source failed, so callers can tell its error from a downstream one. */
  readonly sourceError: Error | undefined;
}

/** Passes `source` through, counting bytes and remembering the source's own error. */
export function countBytes(source: AsyncIterable<unknown>): CountedStream {
  const state: { bytes: number; sourceError: Error | undefined } = { bytes: 0, sourceError: undefined };
  async function* counted(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        const bytes = toBytes(chunk);
        state.bytes += bytes.byteLength;
        yield bytes;
      }
    } catch (error) {
      state.sourceError = error instanceof Error ? error : new Error('storage body failed', { cause: error });
      throw error;
    }
  }
  const stream = Readable.from(counted(), { objectMode: false });
  return {
    stream,
    get bytes() {
      return state.bytes;
    },
    get sourceError() {
      return state.sourceError;
    },
  };
}

/** Skips `skip` bytes of `source`, then passes `length` bytes and stops (destroying the source). */
export function sliceStream(source: AsyncIterable<unknown>, skip: number, length: number): Readable {
  async function* sliced(): AsyncGenerator<Uint8Array> {
    let toSkip = skip;
    let remaining = length;
    for await (const chunk of source) {
      let bytes = toBytes(chunk);
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, bytes.byteLength);
        bytes = bytes.subarray(dropped);
        toSkip -= dropped;
      }
      if (bytes.byteLength === 0) continue;
      const taken = bytes.subarray(0, remaining);
      remaining -= taken.byteLength;
      yield taken;
      if (remaining === 0) return;
    }
  }
  return Readable.from(sliced(), { objectMode: false });
}
