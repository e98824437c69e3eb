import { open, readFile, stat } from 'node:fs/promises';
import type { Metadata } from 'sharp';
import { fail } from '../../core/errors.ts';
import type { ImageFormat } from '../catalog/types.ts';
import { heicAsPng } from '../heic/heic-as-png.ts';
import { rungsFor } from '../ladder/rungs.ts';
import { decodeError, messageOf, publicDetail } from '../sharp/errors.ts';
import { readHeader } from '../sharp/header.ts';
import { checkDeadline, decodeStrict } from './decode.ts';
import type { DecodedImage, DecodeLayout } from './decode.ts';
import { placeholderOf } from './placeholder.ts';
import { SNIFF_BYTES, sniffFormat } from './sniff.ts';
import type { SniffedFormat } from './sniff.ts';
import { embeddedImages } from './svg/embedded.ts';
import type { SvgSanitizer } from './svg/svg-pool.ts';

/**
 * Validation and metadata of a completed upload, cheapest check first:
 * sniff (415) → header (422 corrupt_image) → pixel limit over all frames (422 image_too_large,
 * before any decode) → one strict decode of every frame at full resolution, which also yields
 * the decoded image the placeholder and the mezzanines are made from (422 corrupt_image). HEIC
 * pixels come from libheif in WebAssembly (origin/heic/), then take the same path as a PNG.
 * All under one deadline.
 */

export interface ImageFacts {
  format: ImageFormat;
  /** After EXIF orientation (for HEIC/AVIF: after irot/imir, as the decoder reports it). */
  width: number;
  height: number;
  /** EXIF Orientation 1…8 as stored; null when absent, invalid, or for SVG/HEIC/AVIF. */
  orientation: number | null;
  /** Animation frames (GIF, WebP) or pages (TIFF); 1 otherwise. */
  frames: number;
  hasAlpha: boolean;
  blurhash: string;
  /** '#rrggbb' */
  dominantColor: string;
}

export interface InspectLimits {
  /** width × height × frames, checked from the header before any decode. */
  maxInputPixels: number;
  /** For the whole inspection; a file still decoding then gets 422 corrupt_image. */
  timeoutMs: number;
  /** LADDER_SIZES: the decoded image comes back at the largest rung this image gets. */
  ladderSizes?: readonly number[];
  /** Sanitises SVG off the event loop, with MAX_SVG_BYTES and MAX_SVG_ELEMENTS. */
  svg: SvgSanitizer;
}

export interface Inspection {
  facts: ImageFacts;
  /**
   * The first frame or page, oriented, in sRGB, alpha kept: at the largest ladder rung the image
   * gets, else at most PREVIEW_SIDE. The one place ingest has the pixels (mezzanines, placeholder).
   */
  decoded: DecodedImage;
}

/** Side of the decoded image of sources that get no mezzanine: enough for a placeholder or a perceptual hash. */
export const PREVIEW_SIDE = 256;

export async function inspectImage(path: string, limits: InspectLimits): Promise<ImageFacts> {
  return (await inspectAndDecode(path, limits)).facts;
}

export async function inspectAndDecode(path: string, limits: InspectLimits): Promise<Inspection> {
  const deadline = Date.now() + limits.timeoutMs;
  const work = inspect(path, limits, deadline);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(fail('corrupt_image', `the image could not be inspected within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
  });
  // libvips cannot be interrupted from here: if the deadline wins, the work is abandoned and its outcome ignored.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function inspect(path: string, limits: InspectLimits, deadline: number): Promise<Inspection> {
  const format = supportedFormat(await readHead(path));
  if (format === 'svg' || format === 'svgz') return inspectSvg(path, limits, deadline);
  return inspectRaster(path, format, limits, deadline);
}

/** The format of a file from its first SNIFF_BYTES; one pixelfront does not take is 415 (also multipart part 1's check). */
export function supportedFormat(head: Uint8Array): RasterFormat | 'svg' | 'svgz' {
  const sniffed = sniffFormat(head);
  if (sniffed === null) {
    throw fail('unsupported_media_type', 'the content is not an image in a supported format (JPEG, PNG, WebP, AVIF, GIF, TIFF, SVG, HEIC)');
  }
  if (sniffed.format === 'bmp') throw fail('unsupported_media_type', 'BMP images are not supported');
  if (sniffed.format === 'gzip') throw fail('unsupported_media_type', 'gzip-compressed data that is not an SVG image');
  return sniffed.format;
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

async function inspectSvg(path: string, limits: InspectLimits, deadline: number): Promise<Inspection> {
  const { maxBytes } = limits.svg.limits;
  if ((await stat(path)).size > maxBytes) throw fail('payload_too_large', `SVG uploads are limited to MAX_SVG_BYTES (${maxBytes} bytes)`);
  // librsvg only ever sees the sanitised document: no scripts, no external references.
  const svg = await limits.svg.sanitize(await readFile(path), {
    timeoutMs: Math.max(1, deadline - Date.now()),
    expired: () => fail('corrupt_image', `the SVG could not be sanitised within ${limits.timeoutMs} ms`),
  });
  const metadata = await readUploadHeader(svg, undefined);
  checkPixels(metadata.width, metadata.height, 1, limits.maxInputPixels);
  await checkEmbeddedImages(svg.toString('utf8'), metadata.width * metadata.height, limits.maxInputPixels, deadline);
  const layout: DecodeLayout = { kind: 'single', orient: false };
  const decoded = await decodeStrict({
    input: svg,
    layout,
    width: metadata.width,
    height: metadata.height,
    side: PREVIEW_SIDE,
    fullResolution: false,
    maxInputPixels: limits.maxInputPixels,
    deadline,
  }).catch((error: unknown) => {
    throw decodeError(error, undefined);
  });
  const facts = { format: 'svg', width: metadata.width, height: metadata.height, orientation: null, frames: 1, hasAlpha: true } as const;
  return { facts: { ...facts, ...(await placeholderOf(decoded)) }, decoded };
}

/** The SVG's own raster plus every inline image librsvg would decode, all from headers. */
async function checkEmbeddedImages(svg: string, ownPixels: number, maxInputPixels: number, deadline: number): Promise<void> {
  let total = ownPixels;
  for (const image of embeddedImages(svg)) {
    checkDeadline(deadline);
    const metadata = await readHeader(image, (error) =>
      fail('corrupt_image', 'an image embedded in the SVG (data: URI) cannot be read', { cause: error }),
    );
    total += metadata.width * metadata.height * Math.max(1, metadata.pages ?? 1);
    if (total > maxInputPixels) {
      throw fail(
        'image_too_large',
        `the SVG and its embedded images hold more than ${maxInputPixels} pixels (an embedded image is ${metadata.width}×${metadata.height})`,
      );
    }
  }
}

export type RasterFormat = Exclude<SniffedFormat, 'svg' | 'svgz' | 'bmp' | 'gzip'>;

async function inspectRaster(path: string, sniffed: RasterFormat, limits: InspectLimits, deadline: number): Promise<Inspection> {
  const metadata = await readUploadHeader(path, path);
  const format = resolveFormat(sniffed, metadata);
  const heif = format === 'avif' || format === 'heic';
  const frames = format === 'gif' || format === 'webp' || format === 'tiff' ? Math.max(1, metadata.pages ?? 1) : 1;
  if (format === 'tiff' && frames > 1) {
    checkTotalPixels(await tiffPagePixels(path, frames, deadline), metadata, frames, limits.maxInputPixels);
  } else {
    checkPixels(metadata.width, metadata.height, frames, limits.maxInputPixels);
  }
  // libheif has already applied irot/imir; EXIF orientation must not be applied on top.
  const width = heif ? metadata.width : (metadata.autoOrient?.width ?? metadata.width);
  const height = heif ? metadata.height : (metadata.autoOrient?.height ?? metadata.height);
  const layout: DecodeLayout =
    frames === 1 ? { kind: 'single', orient: !heif } : format === 'tiff' ? { kind: 'pages', pages: frames } : { kind: 'animated' };
  const rungs = rungsFor({ format, width, height, frames, hasAlpha: metadata.hasAlpha }, limits.ladderSizes ?? []);
  const side = rungs.at(-1)?.size ?? PREVIEW_SIDE;
  checkDeadline(deadline);
  // sharp reads a HEIC's header (size after irot/imir, ICC) but has no HEVC decoder.
  const input = format === 'heic' ? await heicAsPng(path, deadline, heicTimedOut) : path;
  const decoded = await decodeStrict({
    input,
    layout,
    width,
    height,
    side,
    fullResolution: true,
    maxInputPixels: limits.maxInputPixels,
    deadline,
  }).catch((error: unknown) => {
    throw decodeError(error, path);
  });
  const facts = {
    format,
    width,
    height,
    orientation: heif ? null : validOrientation(metadata.orientation),
    frames,
    hasAlpha: metadata.hasAlpha,
  };
  return { facts: { ...facts, ...(await placeholderOf(decoded)) }, decoded };
}

/** The header of an upload; one that cannot be read, or declares no size, is 422 corrupt_image. */
async function readUploadHeader(input: string | Buffer, path: string | undefined): Promise<Metadata> {
  const metadata = await readHeader(input, (error) =>
    fail('corrupt_image', `the image header cannot be read: ${publicDetail(messageOf(error), path)}`, { cause: error }),
  );
  if (!(metadata.width > 0 && metadata.height > 0)) throw fail('corrupt_image', 'the image header declares no size');
  return metadata;
}

/** sharp calls both AVIF and HEIC `heif`; the codec in the header decides, then the ftyp brand. */
function resolveFormat(sniffed: RasterFormat, metadata: Metadata): ImageFormat {
  if (sniffed !== 'avif' && sniffed !== 'heic') return sniffed;
  if (metadata.compression === 'av1') return 'avif';
  if (metadata.compression === 'hevc') return 'heic';
  return sniffed;
}

/** width × height × frames over MAX_INPUT_PIXELS is 422 image_too_large (also multipart part 1's check). */
export function checkPixels(width: number, height: number, frames: number, maxInputPixels: number): void {
  const pixels = width * height * frames;
  if (pixels > maxInputPixels) {
    const size = frames > 1 ? `${width}×${height}×${frames} frames` : `${width}×${height}`;
    throw fail('image_too_large', `the image is ${size} = ${pixels} pixels, over the limit of ${maxInputPixels}`);
  }
}

function checkTotalPixels(pixels: number, metadata: Metadata, frames: number, maxInputPixels: number): void {
  if (pixels > maxInputPixels) {
    throw fail(
      'image_too_large',
      `the ${frames} pages of this ${metadata.width}×${metadata.height} TIFF hold ${pixels} pixels, over the limit of ${maxInputPixels}`,
    );
  }
}

/** TIFF pages may differ in size: sum them from each page's header. */
async function tiffPagePixels(path: string, pages: number, deadline: number): Promise<number> {
  let total = 0;
  for (let page = 0; page < pages; page += 1) {
    checkDeadline(deadline);
    const metadata = await readHeader(
      path,
      (error) => fail('corrupt_image', `TIFF page ${page + 1} cannot be read: ${publicDetail(messageOf(error), path)}`, { cause: error }),
      { page },
    );
    total += metadata.width * metadata.height;
  }
  return total;
}

function validOrientation(value: number | undefined): number | null {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 8 ? value : null;
}

function heicTimedOut() {
  return fail('corrupt_image', 'the HEIC image could not be decoded within the time limit');
}
