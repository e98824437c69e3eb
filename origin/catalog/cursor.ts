import { fail } from '../../core/errors.ts';
import { sql, type SelectQueryBuilder } from 'kysely';

/**
 * The opaque list cursor: the sort key and id of the last item of a page, base64url-encoded, with
 * the order's label in front (none for newest first, so cursors of every list made before sorts
 * existed stay valid). Decoding is strict (only what encodeCursor produces), so a tampered cursor
 * is a 400, never a silently different page; a cursor of another order is a 400 too, because its
 * key means something else there.
 */
export interface KeysetOrder<Column extends string = string> {
  /** The sort column, an integer; id breaks ties in the same direction. */
  column: Column;
  direction: 'asc' | 'desc';
  /** What the cursor carries and the error names: `-bytes`; '' for newest first. */
  label: string;
}

export const newestFirst: KeysetOrder<'created_at'> = { column: 'created_at', direction: 'desc', label: '' };

export interface CursorPosition {
  label: string;
  key: number;
  id: string;
}

const encodedPattern = /^[A-Za-z0-9_-]{1,200}$/;
const decodedPattern = /^(?:(-?[A-Za-z]{1,16}):)?(\d{1,16}):([A-Za-z0-9_-]{1,64})$/;

export function encodeCursor(position: CursorPosition): string {
  const text = `${position.label === '' ? '' : `${position.label}:`}${position.key}:${position.id}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, order: KeysetOrder = newestFirst): CursorPosition {
  const malformed = () => fail('invalid_request', 'cursor is malformed; pass the `next` value of the previous page unchanged');
  if (!encodedPattern.test(cursor)) throw malformed();
  const match = decodedPattern.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw malformed();
  const position = { label: match[1] ?? '', key: Number(match[2]), id: match[3] ?? '' };
  // Node's base64url decoder ignores stray trailing bits; re-encoding rejects such variants.
  if (!Number.isSafeInteger(position.key) || encodeCursor(position) !== cursor) throw malformed();
  if (position.label !== order.label) {
    const name = (label: string) => (label === '' ? '-createdAt' : label);
    throw fail('invalid_request', `cursor belongs to sort=${name(position.label)}, not sort=${name(order.label)}; start again without it`);
  }
  return position;
}

/**
 * One page of `query` in `order` after `cursor`: the keyset pagination of every list route
 * (images, batches, uploads). One row more than asked tells whether another page exists without a
 * count; (tenant, column, id) indexes serve each order in either direction.
 */
export async function keysetPage<DB, TB extends keyof DB, Column extends string, O extends { id: string } & Record<Column, unknown>>(
  query: SelectQueryBuilder<DB, TB, O>,
  options: { order: KeysetOrder<Column>; limit: number; cursor?: string | undefined },
): Promise<{ page: O[]; next: string | null }> {
  const { order, limit } = options;
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, order);
  const column = sql.ref(order.column);
  const beyond = order.direction === 'desc' ? sql`<` : sql`>`;
  const filtered =
    after === undefined
      ? query
      : query.where(sql<boolean>`(${column} ${beyond} ${after.key} or (${column} = ${after.key} and id ${beyond} ${after.id}))`);
  const rows = await filtered
    .orderBy(column, order.direction)
    .orderBy(sql`id`, order.direction)
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next =
    rows.length > limit && last !== undefined ? encodeCursor({ label: order.label, key: Number(last[order.column]), id: last.id }) : null;
  return { page, next };
}

/** Newest first by (created_at, id): batches and multipart uploads. */
export function newestFirstPage<DB, TB extends keyof DB, O extends { created_at: number | string | bigint; id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ page: O[]; next: string | null }> {
  return keysetPage(query, { ...options, order: newestFirst });
}
