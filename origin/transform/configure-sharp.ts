import sharp from 'sharp';

export interface SharpSettings {
  /** libvips worker threads per image; default: sharp's (number of cores). */
  concurrency?: number;
  /** libvips operation cache in MB; default 0. */
  cacheMemoryMb?: number;
}

/**
 * Process-wide sharp settings, called once at start. The operation cache defaults to off: each
 * render reads a different source, variants are cached above this layer, and a file cache would
 * hold handles to originals that may be deleted.
 */
export function configureSharp(settings: SharpSettings = {}): { concurrency: number; cacheMemoryMb: number } {
  if (settings.concurrency !== undefined) sharp.concurrency(settings.concurrency);
  const cacheMemoryMb = settings.cacheMemoryMb ?? 0;
  if (cacheMemoryMb > 0) sharp.cache({ memory: cacheMemoryMb, files: 0, items: 100 });
  else sharp.cache(false);
  return { concurrency: sharp.concurrency(), cacheMemoryMb };
}
