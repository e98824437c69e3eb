import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { fail } from '../../core/errors.ts';

/** gzip streams (svgz) are decompressed here, in Node, so libvips never parses gzip itself. */

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** Offset of the deflate data after a gzip member header, or -1 when the header is cut off. */
function deflateOffset(bytes: Uint8Array): number {
  const flags = bytes[3] ?? 0;
  let offset = 10;
  if (flags & FEXTRA) offset += 2 + (bytes[10] ?? 0) + ((bytes[11] ?? 0) << 8);
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    while (offset < bytes.length && bytes[offset] !== 0) offset += 1;
    offset += 1;
  }
  if (flags & FHCRC) offset += 2;
  return offset < bytes.length ? offset : -1;
}

/**
 * The first bytes of a gzip stream's content, from a head of the compressed stream: tolerant
 * of truncation and trailing garbage (it reads the first member only). Empty when nothing
 * decodes. At most `maxOutput` bytes are produced, whatever the compression ratio.
 */
export function gunzipHead(head: Uint8Array, maxOutput: number): Uint8Array {
  const offset = deflateOffset(head);
  if (offset < 0) return new Uint8Array(0);
  // deflate expands at most ~1032:1, so this many input bytes cannot exceed maxOutput.
  const input = head.subarray(offset, offset + Math.max(1, Math.floor(maxOutput / 1032)));
  try {
    return inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput });
  } catch {
    return new Uint8Array(0);
  }
}

/** Decompresses a whole gzip stream; 413 past maxBytes, 422 when the stream is broken. */
export function gunzipCapped(bytes: Uint8Array, maxBytes: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw fail('payload_too_large', `the gzip-compressed SVG expands to more than ${maxBytes} bytes`, { cause: error });
    }
    throw fail('corrupt_image', 'the gzip-compressed SVG is not a valid gzip stream', { cause: error });
  }
}
