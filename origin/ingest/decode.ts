import sharp from 'sharp';
import type { Sharp, SharpOptions } from 'sharp';
import { fail } from '../../core/errors.ts';
import { fitInside, MEZZANINE_KERNEL } from '../ladder/rungs.ts';

/**
 * The one strict decode of an upload. Every pixel of every frame or page goes through libvips
 * with `failOn: 'warning'` at full resolution, and the same pass yields the decoded image that
 * everything else at ingest is made from: the mezzanines of the render ladder, the placeholder
 * (and whatever else needs the pixels). Every pipeline carries sharp's timeout and
 * `limitInputPixels`.
 *
 * Full resolution matters: with JPEG shrink-on-load a truncated scan ("premature end of data
 * segment") decoded at 1/8 scale passed, then failed every render of 75 px and more.
 */

export type DecodeLayout =
  /** One image (or the primary image of a HEIF file); orient applies EXIF orientation. */
  | { kind: 'single'; orient: boolean }
  /** Animated GIF/WebP: all frames share one size and load together. */
  | { kind: 'animated' }
  /** Multi-page TIFF: pages may differ in size, so each page is decoded on its own. */
  | { kind: 'pages'; pages: number };

/** Unpremultiplied 8-bit pixels, oriented, in sRGB (or grey), as sharp's raw output gives them. */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface DecodeRequest {
  input: string | Buffer;
  layout: DecodeLayout;
  /** Size of the first frame or page, after orientation. */
  width: number;
  height: number;
  /** The decoded image comes back fitted inside side × side (never enlarged). */
  side: number;
  /** Rasters only: vectors have no scans to check, and rasterising an SVG at its full size buys nothing. */
  fullResolution: boolean;
  maxInputPixels: number;
  /** When the whole inspection must be over (Date.now() scale). */
  deadline: number;
}

/** Frames of an animation are checked at this size: all of them are decoded, so they are kept small. */
const ANIMATION_SIDE = 64;

function baseOptions(request: DecodeRequest): SharpOptions {
  return { failOn: 'warning', limitInputPixels: request.maxInputPixels, sequentialRead: true };
}

/** Between steps: abandoned work (the caller's deadline already answered) stops here instead of going on. */
export function checkDeadline(deadline: number): void {
  if (Date.now() > deadline) throw fail('corrupt_image', 'the image could not be inspected within the time limit');
}

function timeoutSeconds(deadline: number): number {
  // sharp takes whole seconds; the caller's own deadline covers the remainder.
  return Math.min(3600, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
}

/**
 * sharp reloads JPEG and WebP with shrink-on-load when a resize follows, and skips it when a
 * region is extracted before the resize: extracting the whole image keeps the decode at full
 * resolution, so the decoder reads every scan.
 */
function atFullResolution(image: Sharp, size: { width: number; height: number }): Sharp {
  return image.extract({ left: 0, top: 0, width: size.width, height: size.height });
}

async function toDecoded(image: Sharp): Promise<DecodedImage> {
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export async function decodeStrict(request: DecodeRequest): Promise<DecodedImage> {
  const { input, layout } = request;
  if (layout.kind === 'animated') {
    // Frames are stacked vertically; the first one is the decoded image.
    const size = fitInside(request, Math.min(request.side, ANIMATION_SIDE));
    const frames = await toDecoded(
      sharp(input, { ...baseOptions(request), pages: -1 })
        .timeout({ seconds: timeoutSeconds(request.deadline) })
        .resize({ ...size, fit: 'fill', kernel: 'linear' }),
    );
    return { ...frames, height: size.height, data: frames.data.subarray(0, size.width * size.height * frames.channels) };
  }
  const orient = layout.kind === 'single' ? layout.orient : true;
  let image = sharp(input, { ...baseOptions(request), autoOrient: orient }).timeout({ seconds: timeoutSeconds(request.deadline) });
  if (request.fullResolution) image = atFullResolution(image, request);
  const size = fitInside(request, request.side);
  // The decoded image is the largest mezzanine's pixels (or the placeholder's): scaled as rungs are.
  if (size.width !== request.width || size.height !== request.height)
    image = image.resize({ ...size, fit: 'fill', kernel: MEZZANINE_KERNEL });
  const decoded = await toDecoded(image);
  if (layout.kind === 'pages') {
    for (let page = 1; page < layout.pages; page += 1) {
      checkDeadline(request.deadline);
      const pageImage = sharp(input, { ...baseOptions(request), page }).timeout({ seconds: timeoutSeconds(request.deadline) });
      const { width, height } = await pageImage.metadata();
      await atFullResolution(pageImage, { width, height }).resize({ width: 8, height: 8, fit: 'inside' }).raw().toBuffer();
    }
  }
  return decoded;
}
