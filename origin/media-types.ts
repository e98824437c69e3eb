import type { ImageFormat } from './catalog/types.ts';

/** The Content-Type pixelfront serves for each format it stores or writes. */
export const mediaTypes: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  heic: 'image/heic',
};
