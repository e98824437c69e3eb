/**
 * The canvas size of a WebP from its first 30 bytes. libwebp (through sharp) will not read the
 * header of a truncated file, and multipart part 1 is the head of one: this reads the three chunk
 * kinds a WebP may start with (RFC 9649, sections 2.5–2.7). Undefined when the head is not one.
 */
export function webpSize(head: Uint8Array): { width: number; height: number } | undefined {
  if (head.length < 30 || ascii(head, 0, 4) !== 'RIFF' || ascii(head, 8, 12) !== 'WEBP') return undefined;
  switch (ascii(head, 12, 16)) {
    case 'VP8X':
      // Extended: canvas width − 1 and height − 1, 24 bits each, little-endian.
      return { width: 1 + uint24(head, 24), height: 1 + uint24(head, 27) };
    case 'VP8 ':
      // Lossy: a key frame's start code, then 14-bit width and height (2 bits of scale above).
      if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return undefined;
      return { width: uint16(head, 26) & 0x3fff, height: uint16(head, 28) & 0x3fff };
    case 'VP8L': {
      // Lossless: signature 0x2f, then width − 1 and height − 1 in 14 bits each, LSB first.
      if (head[20] !== 0x2f) return undefined;
      const bits = (head[21] ?? 0) | ((head[22] ?? 0) << 8) | ((head[23] ?? 0) << 16) | ((head[24] ?? 0) << 24);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
    }
    default:
      return undefined;
  }
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

function uint16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

function uint24(bytes: Uint8Array, at: number): number {
  return uint16(bytes, at) | ((bytes[at + 2] ?? 0) << 16);
}
