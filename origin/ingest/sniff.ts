import type { ImageFormat } from '../catalog/types.ts';
import { gunzipHead, isGzip } from './gzip.ts';
import { decodeXmlText, isSvgRoot, scanProlog } from './svg/xml-text.ts';

/**
 * Format detection from the content alone (never the file name or Content-Type): magic
 * numbers for binary formats, the ISO-BMFF `ftyp` brands for AVIF vs HEIC, the XML prolog for
 * SVG, and the decompressed head of gzip streams for SVGZ.
 */

/**
 * How many leading bytes sniffFormat wants. Binary signatures need under 64; the rest is for
 * SVG, whose root may follow an XML declaration, comments and a DOCTYPE.
 */
export const SNIFF_BYTES = 16 * 1024;

/** What a gzip head may decompress to while sniffing (bounds the work per upload). */
const GZIP_HEAD_OUTPUT = 1024 * 1024;

export type SniffedFormat = ImageFormat | 'svgz' | 'bmp' | 'gzip';

export interface Sniffed {
  format: SniffedFormat;
  /** false for formats recognised only to be refused with 415 (BMP, gzip that is not SVG). */
  readable: boolean;
}

/** null: not a format pixelfront recognises. */
export type SniffResult = Sniffed | null;

const avifBrands = new Set(['avif', 'avis']);
const heicBrands = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const heifGenericBrands = new Set(['mif1', 'msf1', 'miaf']);
const bmpHeaderSizes = new Set([12, 40, 52, 56, 64, 108, 124]);

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  return bytes.every((byte, index) => head[at + index] === byte);
}

function ascii(head: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...head.subarray(start, end));
}

export function sniffFormat(head: Uint8Array): SniffResult {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { format: 'jpeg', readable: true };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'png', readable: true };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return { format: 'gif', readable: true };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { format: 'webp', readable: true };
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return { format: 'tiff', readable: true };
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return { format: 'tiff', readable: true };
  const heif = sniffIsoBmff(head);
  if (heif !== null) return { format: heif, readable: true };
  if (ascii(head, 0, 2) === 'BM' && head.length >= 18 && bmpHeaderSizes.has(readUint32LE(head, 14)))
    return { format: 'bmp', readable: false };
  if (isGzip(head)) {
    return looksLikeSvg(gunzipHead(head, GZIP_HEAD_OUTPUT)) ? { format: 'svgz', readable: true } : { format: 'gzip', readable: false };
  }
  if (looksLikeSvg(head)) return { format: 'svg', readable: true };
  return null;
}

/** avif or heic from the `ftyp` box: a specific major brand decides, else the compatible ones. */
function sniffIsoBmff(head: Uint8Array): 'avif' | 'heic' | null {
  if (ascii(head, 4, 8) !== 'ftyp' || head.length < 12) return null;
  const major = ascii(head, 8, 12);
  if (avifBrands.has(major)) return 'avif';
  if (heicBrands.has(major)) return 'heic';
  const boxSize = readUint32BE(head, 0);
  const end = Math.min(head.length, boxSize >= 16 ? boxSize : head.length);
  const compatible: string[] = [];
  for (let offset = 16; offset + 4 <= end; offset += 4) compatible.push(ascii(head, offset, offset + 4));
  if (compatible.some((brand) => avifBrands.has(brand))) return 'avif';
  if (compatible.some((brand) => heicBrands.has(brand))) return 'heic';
  // A generic HEIF file: the codec is known only from the header (sharp's `compression`).
  if (heifGenericBrands.has(major) || compatible.some((brand) => heifGenericBrands.has(brand))) return 'heic';
  return null;
}

/** Text (no NUL) whose first element, after the XML prolog, is `<svg`. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (!utf16 && bytes.includes(0)) return false;
  return isSvgRoot(scanProlog(decodeXmlText(bytes)));
}

function readUint32BE(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) >>> 0) + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) + ((bytes[at + 1] ?? 0) << 8) + ((bytes[at + 2] ?? 0) << 16) + (((bytes[at + 3] ?? 0) << 24) >>> 0);
}
