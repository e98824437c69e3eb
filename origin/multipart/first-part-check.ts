import { checkPixels, supportedFormat } from '../ingest/inspect.ts';
import { SNIFF_BYTES } from '../ingest/sniff.ts';
import { readHeader } from '../sharp/header.ts';
import { fail } from '../../core/errors.ts';
import { webpSize } from './webp-size.ts';

/**
 * The check of a multipart upload's part 1 (issue 20, Multipart): the head of the file is there,
 * so the format (415) and the pixel limit (422 `image_too_large`) are checked as soon as it has
 * arrived, not after the last byte. It only refuses what the head proves: where the format keeps
 * its header elsewhere (a TIFF's IFD at the end, a HEIF's `meta` after `mdat`, an SVG's size in
 * the whole document) or the head is cut before it, the check falls back to completion (SPEC
 * section 8). Frames are counted as far as the head holds them, never more.
 */

/** How much of part 1 is kept for the check: JPEG headers after a 400 KB ICC profile still fit. */
export const FIRST_PART_HEAD_BYTES = 1024 * 1024;

export async function checkFirstPart(head: Buffer, options: { wholeFile: boolean; maxInputPixels: number }): Promise<void> {
  // A first part shorter than the sniff window may not hold an SVG's root yet (it would fail at completion anyway).
  if (head.length < SNIFF_BYTES && !options.wholeFile) return;
  const format = supportedFormat(head);
  if (format === 'svg' || format === 'svgz') return;
  const size: HeadSize | undefined = format === 'webp' ? webpSize(head) : await headerSize(head);
  if (size === undefined) return;
  checkPixels(size.width, size.height, size.frames ?? 1, options.maxInputPixels);
}

interface HeadSize {
  width: number;
  height: number;
  frames?: number;
}

async function headerSize(head: Buffer): Promise<HeadSize | undefined> {
  // The header may lie past the head (or be broken): that is completion's to decide, with the whole file.
  const metadata = await readHeader(head, (error) => fail('corrupt_image', 'unreadable head', { cause: error })).catch(() => undefined);
  if (metadata === undefined || !(metadata.width > 0 && metadata.height > 0)) return undefined;
  const frames = metadata.format === 'gif' || metadata.format === 'webp' ? Math.max(1, metadata.pages ?? 1) : 1;
  return { width: metadata.width, height: metadata.height, frames };
}
