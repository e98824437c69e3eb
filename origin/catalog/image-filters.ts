import { sql, type Kysely, type RawBuilder } from 'kysely';
import { fail } from '../../core/errors.ts';
import { newestFirst, type KeysetOrder } from './cursor.ts';
import type { Database } from './schema.ts';
import { fts5Match, queryWords, tsqueryText } from './search-text.ts';
import { planQuery, type ImageQuery, type IndexedFilter } from './search-plan.ts';
import type { ImageFilters, ImageSort } from './types.ts';

/**
 * The filters and sorts of `GET /v1/images` as SQL over images (migration 0010-search). Tenant,
 * hash, format and upload time are plain conditions that the sort's own indexes serve; words, tags,
 * dimensions and the taken time have indexes of their own, and search-plan.ts decides from counts
 * which of those, if any, the plan starts from.
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

/** The tenant's images that pass every filter, as a query for keysetPage to order and page. */
export async function filteredImages(
  db: Kysely<Database>,
  engine: Engine,
  tenant: string,
  filters: ImageFilters,
  driverLimit?: number,
): Promise<ImageQuery> {
  return planQuery(db, engine, baseConditions(tenant, filters), indexedFilters(tenant, filters, engine), driverLimit);
}

function baseConditions(tenant: string, filters: ImageFilters): (query: ImageQuery) => ImageQuery {
  const { sha256, format, createdFrom, createdBefore } = filters;
  const from = createdFrom === undefined ? undefined : millis('from', createdFrom);
  const before = createdBefore === undefined ? undefined : millis('to', createdBefore);
  return (query) => {
    let narrowed = query.where('images.tenant', '=', tenant);
    // The (tenant, sha256) unique index answers this one.
    if (sha256 !== undefined) narrowed = narrowed.where('images.sha256', '=', sha256);
    if (format !== undefined) narrowed = narrowed.where('images.format', '=', format);
    if (from !== undefined) narrowed = narrowed.where('images.created_at', '>=', from);
    if (before !== undefined) narrowed = narrowed.where('images.created_at', '<', before);
    return narrowed;
  };
}

function indexedFilters(tenant: string, filters: ImageFilters, engine: Engine): IndexedFilter[] {
  const indexed: IndexedFilter[] = [];
  // PostgreSQL has no rowid; there the keys are only counted, never joined.
  const rowid = engine === 'sqlite' ? sql`rowid` : sql`id`;
  if (filters.q !== undefined) {
    const found = queryWords(filters.q);
    if (engine === 'postgres') {
      // A tsquery literal, not to_tsquery: the words are already the lexemes (search-text.ts).
      const matches = (column: RawBuilder<unknown>) => sql<boolean>`${column} @@ cast(${tsqueryText(found)} as tsquery)`;
      indexed.push({
        plain: matches(sql.ref('images.search_vector')),
        unindexed: matches(sql.ref('images.search_vector')),
        keys: sql`select id as driver_key from images where tenant = ${tenant} and ${matches(sql.ref('search_vector'))}`,
        joins: sql<boolean>`false`,
      });
    } else {
      const keys = sql`select rowid as driver_key from images_fts where images_fts match ${fts5Match(found)}`;
      indexed.push({
        plain: sql<boolean>`images.search_rowid in (${keys})`,
        // The list of matches, built once: FTS5 asked row by row (MATCH with rowid =) evaluates the
        // whole query each time, 40 s for a page in bench:search.
        unindexed: sql<boolean>`+images.search_rowid in (${keys})`,
        keys,
        joins: sql<boolean>`images.search_rowid = driver.driver_key`,
      });
    }
  }
  for (const tag of new Set((filters.tags ?? []).map((tag) => tag.toLowerCase()))) {
    const keys = sql`select image_id as driver_key from image_tags where tenant = ${tenant} and tag = ${tag}`;
    indexed.push({
      plain: sql<boolean>`images.id in (${keys})`,
      // Checked row by row on image_tags' primary key (image_id, tag), not by building the tag's list.
      unindexed: sql<boolean>`exists (select 1 from image_tags where image_tags.image_id = images.id and image_tags.tag = ${tag})`,
      keys,
      joins: sql<boolean>`images.id = driver.driver_key`,
    });
  }
  const takenFrom = filters.takenFrom === undefined ? undefined : millis('takenFrom', filters.takenFrom);
  const takenBefore = filters.takenBefore === undefined ? undefined : millis('takenTo', filters.takenBefore);
  // One range of the taken time is one filter, so both bounds narrow the same index scan.
  const ranges: [column: 'width' | 'height' | 'taken_at', lowest: number | undefined, below: number | undefined][] = [
    ['width', filters.minWidth === undefined ? undefined : dimension('minWidth', filters.minWidth), undefined],
    ['height', filters.minHeight === undefined ? undefined : dimension('minHeight', filters.minHeight), undefined],
    ['taken_at', takenFrom, takenBefore],
  ];
  for (const [column, lowest, below] of ranges) {
    if (lowest === undefined && below === undefined) continue;
    const within = (ref: RawBuilder<unknown>) =>
      sql<boolean>`(${sql.join(
        [...(lowest === undefined ? [] : [sql`${ref} >= ${lowest}`]), ...(below === undefined ? [] : [sql`${ref} < ${below}`])],
        sql` and `,
      )})`;
    indexed.push({
      plain: within(sql.ref(`images.${column}`)),
      unindexed: within(sql`+${sql.ref(`images.${column}`)}`),
      keys: sql`select ${rowid} as driver_key from images where tenant = ${tenant} and ${within(sql.ref(column))}`,
      joins: sql<boolean>`images.rowid = driver.driver_key`,
    });
  }
  return indexed;
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
