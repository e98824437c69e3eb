import { sql, type SelectQueryBuilder } from 'kysely';
import { fail } from '../../core/errors.ts';
import { newestFirst, type KeysetOrder } from './cursor.ts';
import type { Database } from './schema.ts';
import { fts5Match, queryWords, tsqueryText } from './search-text.ts';
import type { ImageFilters, ImageSort } from './types.ts';

/**
 * The filters and sorts of `GET /v1/images` as SQL over images, for either engine. Every filter is
 * a condition on the tenant's rows; tags and words are `id in (…)` sub-queries of their own index
 * (image_tags; images_fts or the GIN index), so each engine's planner may start from the most
 * selective index and walk the sort index for the rest (migration 0010-search).
 */
export type Engine = 'sqlite' | 'postgres';

type SortColumn = 'created_at' | 'bytes';

export const imageOrders: Record<ImageSort, KeysetOrder<SortColumn>> = {
  '-createdAt': newestFirst,
  createdAt: { column: 'created_at', direction: 'asc', label: 'createdAt' },
  '-bytes': { column: 'bytes', direction: 'desc', label: '-bytes' },
};

export function imageOrder(sort: ImageSort | undefined): KeysetOrder<SortColumn> {
  if (sort === undefined) return newestFirst;
  if (!Object.hasOwn(imageOrders, sort)) throw fail('invalid_request', `sort: must be one of ${Object.keys(imageOrders).join(', ')}`);
  return imageOrders[sort];
}

export function whereImageFilters<O>(
  query: SelectQueryBuilder<Database, 'images', O>,
  tenant: string,
  filters: ImageFilters,
  engine: Engine,
): SelectQueryBuilder<Database, 'images', O> {
  let filtered = query.where('tenant', '=', tenant);
  const { sha256, format, q, tags } = filters;
  // The (tenant, sha256) unique index answers this one.
  if (sha256 !== undefined) filtered = filtered.where('sha256', '=', sha256);
  if (format !== undefined) filtered = filtered.where('format', '=', format);
  if (filters.createdFrom !== undefined) filtered = filtered.where('created_at', '>=', millis('from', filters.createdFrom));
  if (filters.createdBefore !== undefined) filtered = filtered.where('created_at', '<', millis('to', filters.createdBefore));
  if (filters.takenFrom !== undefined) filtered = filtered.where('taken_at', '>=', millis('takenFrom', filters.takenFrom));
  if (filters.takenBefore !== undefined) filtered = filtered.where('taken_at', '<', millis('takenTo', filters.takenBefore));
  if (filters.minWidth !== undefined) filtered = filtered.where('width', '>=', dimension('minWidth', filters.minWidth));
  if (filters.minHeight !== undefined) filtered = filtered.where('height', '>=', dimension('minHeight', filters.minHeight));
  for (const tag of new Set((tags ?? []).map((tag) => tag.toLowerCase()))) {
    filtered = filtered.where('id', 'in', (eb) =>
      eb.selectFrom('image_tags').select('image_tags.image_id').where('image_tags.tenant', '=', tenant).where('image_tags.tag', '=', tag),
    );
  }
  if (q !== undefined) {
    const found = queryWords(q);
    filtered =
      engine === 'sqlite'
        ? filtered.where(sql<boolean>`search_rowid in (select rowid from images_fts where images_fts match ${fts5Match(found)})`)
        : filtered.where(sql<boolean>`search_vector @@ cast(${tsqueryText(found)} as tsquery)`);
  }
  return filtered;
}

function millis(name: string, date: Date): number {
  const time = date.getTime();
  if (!Number.isSafeInteger(time)) throw fail('invalid_request', `${name}: must be a valid date`);
  return time;
}

function dimension(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw fail('invalid_request', `${name}: must be a whole number of pixels`);
  return value;
}
