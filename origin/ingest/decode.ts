import sharp from 'sharp';
import type { SharpOptions } from 'sharp';
import { fail, isPixelfrontError } from '../../core/errors.ts';
import type { PixelfrontError } from '../../core/errors.ts';
import type { RgbaThumbnail } from './placeholder.ts';

/**
 * The strict decode of an upload: every pixel of every frame or page goes through libvips with
 * `failOn: 'warning'`, and the same pass yields the small RGBA thumbnail the placeholder is
 * computed from. Every pipeline carries sharp's timeout and `limitInputPixels`.
 */

export type DecodeLayout =
  /** One image (or the primary image of a HEIF file); orient applies EXIF orientation. */
  | { kind: 'single'; orient: boolean }
  /** Animated GIF/WebP: all frames share one size and load together. */
  | { kind: 'animated' }
  /** Multi-page TIFF: pages may differ in size, so each page is decoded on its own. */
  | { kind: 'pages'; pages: number };

export interface DecodeRequest {
  input: string | Buffer;
  layout: DecodeLayout;
  /** Thumbnail size (of the first frame, after orientation). */
  width: number;
  height: number;
  maxInputPixels: number;
  /** When the whole inspection must be over (Date.now() scale). */
  deadline: number;
}

function baseOptions(request: DecodeRequest): SharpOptions {
  return { failOn: 'warning', limitInputPixels: request.maxInputPixels };
}

/** Between steps: abandoned work (the caller's deadline already answered) stops here instead of going on. */
export function checkDeadline(deadline: number): void {
  if (Date.now() > deadline) throw fail('corrupt_image', 'the image could not be inspected within the time limit');
}

function timeoutSeconds(deadline: number): number {
  // sharp takes whole seconds; the caller's own deadline covers the remainder.
  return Math.min(3600, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
}

export async function decodeThumbnail(request: DecodeRequest): Promise<RgbaThumbnail> {
  const { input, layout, width, height } = request;
  const timeout = { seconds: timeoutSeconds(request.deadline) };
  if (layout.kind === 'animated') {
    const { data } = await sharp(input, { ...baseOptions(request), pages: -1 })
      .timeout(timeout)
      .resize({ width, height, fit: 'fill', kernel: 'linear' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    // Frames are stacked vertically; the first one is the placeholder's source.
    return { data: data.subarray(0, width * height * 4), width, height };
  }
  const orient = layout.kind === 'single' ? layout.orient : true;
  const { data, info } = await sharp(input, { ...baseOptions(request), autoOrient: orient })
    .timeout(timeout)
    .resize({ width, height, fit: 'fill', kernel: 'linear' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (layout.kind === 'pages') {
    for (let page = 1; page < layout.pages; page += 1) {
      checkDeadline(request.deadline);
      await sharp(input, { ...baseOptions(request), page })
        .timeout({ seconds: timeoutSeconds(request.deadline) })
        .resize({ width: 8, height: 8, fit: 'inside' })
        .raw()
        .toBuffer();
    }
  }
  return { data, width: info.width, height: info.height };
}

/**
 * A sharp/libvips failure on user input as a PixelfrontError: the pixel limit is 422
 * image_too_large, a timeout or anything else 422 corrupt_image. The file path is never echoed.
 */
export function decodeError(error: unknown, path: string | undefined): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return fail('image_too_large', 'the image has more pixels than this server accepts', { cause: error });
  }
  if (/timeout/i.test(message)) {
    return fail('corrupt_image', 'the image could not be decoded within the time limit', { cause: error });
  }
  return fail('corrupt_image', `the image data does not decode: ${publicDetail(message, path)}`, { cause: error });
}

export function publicDetail(message: string, path: string | undefined): string {
  const text = path === undefined ? message : message.split(path).join('');
  // libvips repeats lines and puts the generic one first; keep each distinct line once.
  const lines = [...new Set(text.split('\n').map((line) => line.replace(/^[:\s]+|[:\s]+$/g, '')).filter((line) => line !== ''))];
  return (lines.length === 0 ? 'unreadable data' : lines.join('; ')).slice(0, 200);
}
