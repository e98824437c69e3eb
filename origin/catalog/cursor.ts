import { fail } from '../../core/errors.ts';

/**
 * The opaque listImages cursor: the (createdAt, id) of the last item of a page, base64url-encoded.
 * Decoding is strict (only what encodeCursor produces), so a tampered cursor is a 400, never a
 * silently different page.
 */
export interface CursorPosition {
  createdAt: number;
  id: string;
}

const encodedPattern = /^[A-Za-z0-9_-]{1,200}$/;
const decodedPattern = /^(\d{1,16}):([A-Za-z0-9_-]{1,64})$/;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt}:${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const malformed = () => fail('invalid_request', 'cursor is malformed; pass the `next` value of the previous page unchanged');
  if (!encodedPattern.test(cursor)) throw malformed();
  const match = decodedPattern.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw malformed();
  const position = { createdAt: Number(match[1]), id: match[2] ?? '' };
  // Node's base64url decoder ignores stray trailing bits; re-encoding rejects such variants.
  if (!Number.isSafeInteger(position.createdAt) || encodeCursor(position) !== cursor) throw malformed();
  return position;
}
