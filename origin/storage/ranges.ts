import type { ByteRange } from './types.ts';

/**
 * Byte-range arithmetic shared by the backends, so both clamp and refuse exactly alike.
 * Ranges are inclusive, as in HTTP.
 */

/** Throws RangeError for a range that could never be satisfied (negative, reversed, not an integer). */
export function checkRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`range start must be a non-negative integer, got ${start}`);
  if (end === undefined) return;
  if (!Number.isSafeInteger(end) || end < start) throw new RangeError(`range end must be an integer >= start, got ${start}-${end}`);
}

/** The range actually served for an object of `size` bytes: the end is clamped; a start past the end throws. */
export function clampRange(range: ByteRange, size: number): { start: number; end: number } {
  checkRange(range);
  if (range.start >= size) throw new RangeError(`range start ${range.start} is beyond the object's ${size} bytes`);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
