import { fail } from '../../core/errors.ts';
import { sql, type SelectQueryBuilder } from 'kysely';

/**
 * The opaque list cursor: the (createdAt, id) of the last item of a page, base64url-encoded.
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

/**
 * One page of `query` newest first by (created_at, id), after `cursor`: the keyset pagination of
 * every list route (images, batches, uploads). One row more than asked tells whether another page
 * exists without a count; the tables' (tenant, created_at) indexes serve the order.
 */
export async function newestFirstPage<DB, TB extends keyof DB, O extends { created_at: number | string | bigint; id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ page: O[]; next: string | null }> {
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const filtered =
    after === undefined
      ? query
      : query.where(sql<boolean>`(created_at < ${after.createdAt} or (created_at = ${after.createdAt} and id < ${after.id}))`);
  const rows = await filtered
    .orderBy(sql`created_at`, 'desc')
    .orderBy(sql`id`, 'desc')
    .limit(options.limit + 1)
    .execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const next = rows.length > options.limit && last !== undefined ? encodeCursor({ createdAt: Number(last.created_at), id: last.id }) : null;
  return { page, next };
}
