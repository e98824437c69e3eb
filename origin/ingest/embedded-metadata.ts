import { open } from 'node:fs/promises';
import exifr from 'exifr';
import type { EmbeddedMetadata, ExifFacts, IptcFacts } from '../catalog/types.ts';
import { webpMetadataAsJpeg } from './webp-metadata.ts';

/**
 * EXIF, IPTC and XMP read at ingest (issue 15) with exifr, from the file's head: given a path,
 * exifr reads chunks and misses XMP that sits past its first one, so it gets this buffer instead.
 * Camera facts come from EXIF first (XMP's copy otherwise); the descriptive fields from XMP first,
 * which is UTF-8 by definition, while IPTC text is often Latin-1 mislabelled. Every value is
 * untrusted: strings are cleaned and bounded, numbers must be finite. Outputs never carry any of
 * it (renders strip metadata); this is only what the catalog and the image object say.
 */
export const METADATA_HEAD_BYTES = 128 * 1024;
/**
 * TIFF keeps its tags (XMP, Photoshop's IPTC block) wherever IFD0 points, often past 128 KiB,
 * and exifr's own chunked file reader fails on them: a TIFF gets a larger head.
 */
export const TIFF_METADATA_HEAD_BYTES = 4 * 1024 * 1024;

/** Formats exifr reads, and WebP through webp-metadata.ts (GIF's rare XMP is not read; SVG has none of these blocks). */
const readable = new Set(['jpeg', 'tiff', 'png', 'heic', 'avif', 'webp']);

const MAX_TEXT = 1024;
const MAX_KEYWORDS = 100;

export async function readEmbeddedMetadata(path: string, format: string, options: { keepGps: boolean }): Promise<EmbeddedMetadata> {
  const none: EmbeddedMetadata = { exif: null, iptc: null };
  if (!readable.has(format)) return none;
  const head =
    format === 'webp'
      ? await webpMetadataAsJpeg(path).catch(() => null)
      : await readHead(path, format === 'tiff' ? TIFF_METADATA_HEAD_BYTES : METADATA_HEAD_BYTES);
  if (head === null) return none;
  let parsed: Record<string, Record<string, unknown> | undefined> | undefined;
  try {
    parsed = (await exifr.parse(head, {
      tiff: true,
      exif: true,
      gps: options.keepGps,
      interop: false,
      ifd1: false,
      iptc: true,
      xmp: true,
      icc: false,
      jfif: false,
      ihdr: false,
      mergeOutput: false,
      // Raw EXIF dates: they have no zone, and reviving them would invent the server's.
      reviveValues: false,
      translateValues: false,
    })) as typeof parsed;
  } catch {
    // Broken or truncated metadata blocks are common and never a reason to refuse an image
    // that decoded: the image simply has no embedded metadata we can read.
    return none;
  }
  if (!parsed) return none;
  return { exif: exifFacts(parsed, options.keepGps), iptc: iptcFacts(parsed) };
}

/** The first `bytes` of the file, in a buffer of its own (exifr reads the whole backing ArrayBuffer). */
async function readHead(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const size = Math.min(bytes, (await file.stat()).size);
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await file.read(buffer, 0, size, 0);
    return bytesRead === size ? buffer : Buffer.from(buffer.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

type Blocks = Record<string, Record<string, unknown> | undefined>;

function exifFacts(blocks: Blocks, keepGps: boolean): ExifFacts | null {
  const ifd0 = blocks['ifd0'] ?? {};
  const exif = blocks['exif'] ?? {};
  const aux = blocks['aux'] ?? {};
  const exifEX = blocks['exifEX'] ?? {};
  const facts: ExifFacts = {
    make: text(ifd0['Make']),
    model: text(ifd0['Model']),
    lens: text(exif['LensModel']) ?? text(exifEX['LensModel']) ?? text(aux['Lens']),
    takenAt: exifDate(exif['DateTimeOriginal'], exif['OffsetTimeOriginal']) ?? exifDate(exif['CreateDate'], exif['OffsetTimeDigitized']),
    exposureTime: positive(exif['ExposureTime']),
    fNumber: positive(exif['FNumber']),
    iso: positive(exif['ISO']) ?? positive(first(exif['ISOSpeedRatings'])),
    focalLength: positive(exif['FocalLength']),
    gps: keepGps ? gpsOf(blocks['gps']) : null,
  };
  return Object.values(facts).some((value) => value !== null) ? facts : null;
}

function iptcFacts(blocks: Blocks): IptcFacts | null {
  const iptc = blocks['iptc'] ?? {};
  const dc = blocks['dc'] ?? {};
  const ifd0 = blocks['ifd0'] ?? {};
  const facts: IptcFacts = {
    caption: langText(dc['description']) ?? text(iptc['Caption']) ?? text(ifd0['ImageDescription']),
    keywords: keywords(dc['subject']) ?? keywords(iptc['Keywords']) ?? [],
    creator: langText(first(dc['creator'])) ?? text(first(iptc['Byline'])) ?? text(ifd0['Artist']),
    copyright: langText(dc['rights']) ?? text(iptc['CopyrightNotice']) ?? text(ifd0['Copyright']),
  };
  return facts.caption !== null || facts.keywords.length > 0 || facts.creator !== null || facts.copyright !== null ? facts : null;
}

/** Printable text, trimmed and bounded; null for anything else or nothing. */
function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const cleaned = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return cleaned === '' ? null : cleaned.slice(0, MAX_TEXT);
}

/** XMP's language alternatives arrive as `{ lang, value }` (or a list of them). */
function langText(value: unknown): string | null {
  const entry = first(value);
  if (entry !== null && typeof entry === 'object' && 'value' in entry) return text(entry.value);
  return text(entry);
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function keywords(value: unknown): string[] | null {
  const list = (Array.isArray(value) ? value : [value]).map(langText).filter((word): word is string => word !== null);
  return list.length === 0 ? null : [...new Set(list.map((word) => word.slice(0, 256)))].slice(0, MAX_KEYWORDS);
}

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** `2004:03:20 14:54:55` (+ `+02:00` when the camera wrote an offset) as ISO 8601; no zone invented. */
function exifDate(value: unknown, offset: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match;
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '';
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${zone}`;
}

function gpsOf(gps: Record<string, unknown> | undefined): { latitude: number; longitude: number } | null {
  const latitude = gps?.['latitude'];
  const longitude = gps?.['longitude'];
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return null;
  if (!(Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180)) return null;
  return { latitude, longitude };
}
