import type { OutputFormat } from '../core/transform-spec.ts';
import type { ImageFormat } from './catalog/types.ts';

/**
 * The Content-Type pixelfront serves for each format it stores or writes. JPEG XL is written only:
 * sharp's prebuilt cannot read it, so an upload of one is refused like any unknown format.
 */
export const mediaTypes: Record<ImageFormat | OutputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  jxl: 'image/jxl',
  gif: 'image/gif',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  heic: 'image/heic',
};
