import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { NamedMigration } from './named-migration.ts';
import { searchText } from './search-text.ts';
import { takenAtMillis } from './taken-at.ts';
import type { ExifFacts, IptcFacts } from './types.ts';

/**
 * Search and filters of `GET /v1/images` (issue 15): the words each image is found by
 * (images.search_text, backfilled here for the rows already there), the EXIF time as a number, the
 * full-text index of each engine and the indexes of the filters and sorts.
 *
 * SQLite: an FTS5 table without a copy of the text (contentless, rows deletable), kept in step with
 * images by triggers, so every write path and every delete updates it in the same transaction. Its
 * rowid is images.search_rowid, a number of our own: images has a text primary key, and SQLite may
 * renumber such a table's rowids in a VACUUM.
 * PostgreSQL: a stored generated tsvector of search_text with a GIN index; the row is its own index
 * entry, so there is nothing to keep in step.
 */
export const addSearch: NamedMigration = {
  name: '0010-search',
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    // PostgreSQL migrates inside the migrator's transaction; SQLite's DDL is transactional too but
    // the migrator does not open one there, so a failure half-way would leave the columns behind.
    if (postgres) await upPostgres(db);
    else await db.transaction().execute((trx) => upSqlite(trx));
  },
  async down(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    for (const index of searchIndexes) await db.schema.dropIndex(index.name).ifExists().execute();
    if (postgres) {
      await sql`alter table images drop column search_vector`.execute(db);
    } else {
      for (const trigger of ['images_fts_insert', 'images_fts_delete', 'images_fts_update'])
        await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
      await sql`drop table if exists images_fts`.execute(db);
      await db.schema.dropIndex('images_search_rowid_key').ifExists().execute();
      await db.schema.alterTable('images').dropColumn('search_rowid').execute();
    }
    for (const column of ['taken_at', 'search_text']) await db.schema.alterTable('images').dropColumn(column).execute();
  },
};

/**
 * Each filter or sort of GET /v1/images, within a tenant; tags use image_tags (0005), upload dates
 * the (tenant, created_at) index (0001).
 */
const searchIndexes = [
  { name: 'images_tenant_bytes_idx', columns: ['tenant', 'bytes desc', 'id desc'] },
  { name: 'images_tenant_format_created_idx', columns: ['tenant', 'format', 'created_at desc', 'id desc'] },
  { name: 'images_tenant_width_idx', columns: ['tenant', 'width'] },
  { name: 'images_tenant_height_idx', columns: ['tenant', 'height'] },
  { name: 'images_tenant_taken_idx', columns: ['tenant', 'taken_at'] },
];

async function addColumnsAndIndexes(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('images').addColumn('search_text', 'text').execute();
  await db.schema.alterTable('images').addColumn('taken_at', 'bigint').execute();
  for (const index of searchIndexes) await db.schema.createIndex(index.name).ifNotExists().on('images').columns(index.columns).execute();
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await addColumnsAndIndexes(db);
  await backfill(db);
  // Added after the backfill, so the table is rewritten once. The text is a tsvector literal of
  // words made by search-text.ts: the cast keeps them as they are (no parser, no dictionary).
  await sql`alter table images add column search_vector tsvector generated always as (coalesce(search_text, '')::tsvector) stored`.execute(
    db,
  );
  await sql`create index if not exists images_search_vector_idx on images using gin (search_vector)`.execute(db);
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await addColumnsAndIndexes(db);
  await backfill(db);
  await db.schema.alterTable('images').addColumn('search_rowid', 'integer').execute();
  // Unique at this moment; later rows take max + 1 (KyselyCatalog.insertImage).
  await sql`update images set search_rowid = rowid`.execute(db);
  await db.schema.createIndex('images_search_rowid_key').unique().on('images').column('search_rowid').execute();
  // Words are made by search-text.ts; `ascii` splits only at ASCII non-alphanumerics (the spaces
  // between them) and folds nothing else. Prefix indexes answer short prefixes without a scan.
  await sql`create virtual table images_fts using fts5(body, content='', contentless_delete=1, tokenize='ascii', prefix='1 2 3')`.execute(
    db,
  );
  await sql`insert into images_fts (rowid, body) select search_rowid, coalesce(search_text, '') from images`.execute(db);
  await sql`create trigger images_fts_insert after insert on images when new.search_rowid is not null begin
      insert into images_fts (rowid, body) values (new.search_rowid, coalesce(new.search_text, ''));
    end`.execute(db);
  await sql`create trigger images_fts_delete after delete on images when old.search_rowid is not null begin
      delete from images_fts where rowid = old.search_rowid;
    end`.execute(db);
  await sql`create trigger images_fts_update after update of search_text, search_rowid on images begin
      delete from images_fts where rowid = old.search_rowid;
      insert into images_fts (rowid, body) select new.search_rowid, coalesce(new.search_text, '') where new.search_rowid is not null;
    end`.execute(db);
}

interface BackfillRow {
  id: string;
  filename: string | null;
  title: string | null;
  alt: string | null;
  exif: string | null;
  iptc: string | null;
}

const backfillPage = 500;

/** Every existing row gets its words and taken_at, computed by the same code as new rows. */
async function backfill(db: Kysely<unknown>): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } =
      await sql<BackfillRow>`select id, filename, title, alt, exif, iptc from images where id > ${after} order by id limit ${backfillPage}`.execute(
        db,
      );
    for (const row of rows) {
      const iptc = row.iptc === null ? null : (JSON.parse(row.iptc) as IptcFacts);
      const exif = row.exif === null ? null : (JSON.parse(row.exif) as ExifFacts);
      const text = searchText({ filename: row.filename, title: row.title, alt: row.alt, iptc });
      await sql`update images set search_text = ${text}, taken_at = ${takenAtMillis(exif)} where id = ${row.id}`.execute(db);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < backfillPage) return;
    after = last.id;
  }
}
