import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Heads of image files whose header declares a size, followed by filler: what a multipart upload's
 * part 1 of a huge image holds, without making the image.
 */

/** The head of a PNG whose IHDR declares `width` × `height`, followed by filler: all a header read sees. */
export function pngHead(width: number, height: number, bytes = 64 * 1024): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, no interlace
  const type = Buffer.from('IHDR');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, ihdr])));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(13);
  // Then the start of an IDAT chunk that runs past the head, as in a large file's first part.
  const idat = Buffer.alloc(8);
  idat.writeUInt32BE(100 * bytes, 0);
  idat.write('IDAT', 4, 'latin1');
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), length, type, ihdr, crc, idat]);
  return Buffer.concat([head, randomBytes(bytes - head.length)]);
}

/** The head of a WebP whose VP8X chunk declares `width` × `height`. */
export function webpHead(width: number, height: number, bytes = 64 * 1024): Buffer {
  const head = Buffer.alloc(bytes);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(bytes - 8, 4);
  head.write('WEBPVP8X', 8, 'latin1');
  head.writeUInt32LE(10, 16);
  head.writeUIntLE(width - 1, 24, 3);
  head.writeUIntLE(height - 1, 27, 3);
  return head;
}
