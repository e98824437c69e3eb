import type { ExifFacts } from './types.ts';

/**
 * When the photo was taken, as epoch milliseconds for `takenFrom`/`takenTo`: the EXIF time with its
 * offset, or read as UTC when the camera recorded none (it knew only its clock's local time).
 */
export function takenAtMillis(exif: ExifFacts | null): number | null {
  const taken = exif?.takenAt;
  if (taken === null || taken === undefined) return null;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(taken) ? taken : `${taken}Z`;
  const millis = Date.parse(zoned);
  return Number.isFinite(millis) ? millis : null;
}
