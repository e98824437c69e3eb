import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type Selectable } from 'kysely';
import type { Database, ImagesTable } from './schema.ts';

/**
 * How a filtered page is planned. A page is the first 100 of the matches in sort order, and the
 * cheap way to find them depends on how many there are, which neither planner knows well enough:
 * SQLite has no statistics about the FTS index or a tag's images at all, and PostgreSQL's, for a
 * tag or a word outside its most common values, are an average. Left alone, SQLite walked the
 * tenant's whole sort index for a rare word (0.8 s at 100,000 images in bench:search) and
 * PostgreSQL did the same for some tags (p95 185 ms). So the catalog counts first:
 *
 * - every filter with an index of its own (`q`, each tag, minWidth, minHeight, the taken range) is
 *   counted by that index, up to DRIVER_LIMIT rows (a walk along one index, cheap beside reading
 *   rows);
 * - the smallest one under the limit drives: the plan starts from its index and sorts at most
 *   DRIVER_LIMIT rows. The driver's keys are the left side of a CROSS JOIN, which SQLite never
 *   reorders, and on PostgreSQL of a CROSS JOIN LATERAL that it cannot turn into a hash join;
 * - none under the limit: every filter is dense, so walking the sort index (tenant with created_at
 *   or bytes; format has one of its own) fills a page soon. On SQLite the other conditions are
 *   written so that its planner cannot start from their indexes: a unary `+` on a column, and tags
 *   checked row by row on image_tags' (image_id, tag) key rather than by listing every image of a
 *   common tag first.
 *
 * Why 2000: a driver costs about one row read per key, the walk about page ÷ density rows; they
 * cross near √(page × the tenant's images), ≈ 3000 for pages of 100 at 100,000 images, and a row
 * read through a driver costs more than one met in a walk (bench:search, README Catalog).
 */
export const DRIVER_LIMIT = 2000;
/** SQLite: how much larger the driver of two filters or more may be (chooseDriver). */
export const SQLITE_PAIR_FACTOR = 4;

export interface IndexedFilter {
  /** The condition on images as it is, for PostgreSQL. */
  plain: RawBuilder<boolean>;
  /** The same written so that SQLite uses no index for it. */
  unindexed: RawBuilder<boolean>;
  /** `select … as driver_key` of the rows this filter keeps, found by its index. */
  keys: RawBuilder<unknown>;
  /** SQLite: how images joins a driver's keys (`images.rowid = driver.driver_key`). */
  joins: RawBuilder<boolean>;
}

export type ImageQuery = SelectQueryBuilder<Database, 'images', Selectable<ImagesTable>>;

/**
 * The filter whose index gives the fewest rows, if one gives fewer than `limit`; with two filters
 * or more, fewer than `pairFactor` × `limit` is enough, because dense filters together may still be
 * sparse (a common word among the images of a common tag) and SQLite's walk would read the sort
 * index a long way to fill a page (p95 128 ms at 100,000 images; 23 ms driven). PostgreSQL plans
 * such pairs well by itself (19 ms), and worse when driven from 8,000 keys (44 ms): factor 1 there.
 */
export async function chooseDriver(
  db: Kysely<Database>,
  filters: readonly IndexedFilter[],
  limit = DRIVER_LIMIT,
  pairFactor = 1,
): Promise<IndexedFilter | undefined> {
  if (limit === 0) return undefined;
  const enough = filters.length > 1 ? limit * pairFactor : limit;
  let chosen: { filter: IndexedFilter; rows: number } | undefined;
  for (const filter of filters) {
    const { rows } = await sql<{ found: number | string }>`select count(*) as found from (${filter.keys} limit ${enough}) as probe`.execute(
      db,
    );
    const found = Number(rows[0]?.found ?? enough);
    if (found < enough && (chosen === undefined || found < chosen.rows)) chosen = { filter, rows: found };
  }
  return chosen?.filter;
}

/**
 * `base` (tenant, hash, format, upload time: conditions every plan applies as they are) and
 * `filters`, planned as above; keysetPage orders and pages it.
 */
export async function planQuery(
  db: Kysely<Database>,
  engine: 'sqlite' | 'postgres',
  base: (query: ImageQuery) => ImageQuery,
  filters: readonly IndexedFilter[],
  driverLimit?: number,
): Promise<ImageQuery> {
  const driver =
    filters.length === 0 ? undefined : await chooseDriver(db, filters, driverLimit, engine === 'sqlite' ? SQLITE_PAIR_FACTOR : 1);
  if (engine === 'postgres') {
    // With a driver: each key looks its image up through a LATERAL sub-select that OFFSET 0 keeps
    // from being merged into the join, so PostgreSQL reads the images by primary key instead of
    // hashing a scan of the whole table (which it chose for 2,000 keys at the default random_page_cost).
    let query =
      driver === undefined
        ? base(db.selectFrom('images').selectAll('images'))
        : base(
            db
              .selectFrom(
                sql<
                  Selectable<ImagesTable>
                >`(${driver.keys}) as driver cross join lateral (select * from images where images.id = driver.driver_key offset 0)`.as(
                  'images',
                ),
              )
              .selectAll('images') as unknown as ImageQuery,
          );
    for (const filter of filters) if (filter !== driver) query = query.where(filter.plain);
    return query;
  }
  let query =
    driver === undefined
      ? base(db.selectFrom('images').selectAll('images'))
      : base(
          // The derived table's one column is driver_key, so the sort and cursor columns stay unambiguous.
          db
            .selectFrom(sql<{ driver_key: unknown }>`(${driver.keys})`.as('driver'))
            .crossJoin('images')
            .selectAll('images')
            .where(driver.joins),
        );
  for (const filter of filters) if (filter !== driver) query = query.where(filter.unindexed);
  return query;
}
