import { fail } from '../../core/errors.ts';

/**
 * Object keys, validated the same way by every backend so a key that works on one works on all,
 * and so no key can name a path outside the file backend's root (SPEC section 7).
 *
 * A key is `/`-separated segments of `[A-Za-z0-9._-]`, with no empty, `.` or `..` segment, no
 * leading or trailing `/`, at most 1024 characters, and segments of at most 255 characters
 * (the file name limit of common file systems).
 */

export const MAX_KEY_LENGTH = 1024;
export const MAX_SEGMENT_LENGTH = 255;

const segmentPattern = /^[A-Za-z0-9._-]+$/;

/** Returns the key unchanged, or throws `invalid_request` naming what is wrong with it. */
export function validateKey(key: string): string {
  const problem = keyProblem(key, false);
  if (problem !== undefined) throw fail('invalid_request', `invalid storage key ${JSON.stringify(key.slice(0, 80))}: ${problem}`);
  return key;
}

/**
 * Validates a list prefix: the empty string, or a key's leading part. It may end with `/`, and its
 * last segment may be partial (`variants/ab` matches `variants/abc/…`), but never `..` or `.`.
 */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const problem = keyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, true);
  if (problem !== undefined) throw fail('invalid_request', `invalid storage prefix ${JSON.stringify(prefix.slice(0, 80))}: ${problem}`);
  return prefix;
}

export function isValidKey(key: string): boolean {
  return keyProblem(key, false) === undefined;
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'must not start with /';
  if (!isPrefix && key.endsWith('/')) return 'must not end with /';
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty segment';
    if (segment === '.' || segment === '..') return `segment "${segment}" is not allowed`;
    if (segment.length > MAX_SEGMENT_LENGTH) return `segment longer than ${MAX_SEGMENT_LENGTH} characters`;
    if (!segmentPattern.test(segment)) return 'segments may contain only A-Z a-z 0-9 . _ -';
  }
  return undefined;
}
