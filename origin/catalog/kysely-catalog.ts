import { CompiledQuery, PostgresAdapter, sql, type Insertable, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { fail } from '../../core/errors.ts';
import { keysetPage } from './cursor.ts';
import { filteredImages, imageOrder, type Engine } from './image-filters.ts';
import { findSimilar, perceptualHashColumns } from './similar-query.ts';
import type { Database, ImagesTable } from './schema.ts';
import { searchText } from './search-text.ts';
import { takenAtMillis } from './taken-at.ts';
import type {
  Catalog,
  EditableImageFields,
  ExifFacts,
  ImageFormat,
  ImagePage,
  ImageRecord,
  IptcFacts,
  JsonObject,
  ListImagesOptions,
  SimilarImage,
  SimilarOptions,
} from './types.ts';

const formats: ReadonlySet<string> = new Set<ImageFormat>(['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg', 'heic']);
const maxListLimit = 1000;
// A row that conflicted and then vanished was deleted in between; insert again, but not forever.
const insertAttempts = 3;

/** The Catalog over a Kysely database (SQLite or PostgreSQL), migrated by migrateToLatest. */
export class KyselyCatalog implements Catalog {
  private closed = false;
  /**
   * The lookup every /img request makes, compiled once: building and compiling the query cost
   * more than running it on SQLite (8 of 15 µs, bench/tuning.json). The SQL text is the dialect's own.
   */
  private readonly imageByIdSql: string;
  private readonly engine: Engine;

  /**
   * The underlying database, for repositories of later tables (uploads, batches) to share.
   * `driverLimit` is for tests: 0 makes every search walk the sort index (catalog/search-plan.ts).
   */
  constructor(
    readonly db: Kysely<Database>,
    private readonly options: { driverLimit?: number } = {},
  ) {
    this.imageByIdSql = db.selectFrom('images').selectAll().where('id', '=', '').compile().sql;
    this.engine = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  }

  async insertImage(image: ImageRecord): Promise<{ image: ImageRecord; inserted: boolean }> {
    for (let attempt = 0; attempt < insertAttempts; attempt += 1) {
      const inserted = await this.db.transaction().execute(async (trx) => {
        // ON CONFLICT makes concurrent uploads of the same bytes race-safe: exactly one row wins.
        const result = await trx
          .insertInto('images')
          .values({ ...toRow(image), ...this.searchRowid() })
          .onConflict((conflict) => conflict.columns(['tenant', 'sha256']).doNothing())
          .executeTakeFirst();
        const won = (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
        if (won) await writeTags(trx, image.tenant, image.id, image.tags);
        return won;
      });
      const stored = await this.findBySha256(image.tenant, image.sha256);
      if (stored !== null) return { image: stored, inserted };
    }
    throw new Error(`catalog: image ${image.id} kept conflicting with a concurrently deleted row`);
  }

  async getImage(tenant: string, id: string): Promise<ImageRecord | null> {
    const row = await this.db.selectFrom('images').selectAll().where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  }

  async getImageById(id: string): Promise<ImageRecord | null> {
    const { rows } = await this.db.executeQuery<Selectable<ImagesTable>>(CompiledQuery.raw(this.imageByIdSql, [id]));
    const row = rows[0];
    return row === undefined ? null : toRecord(row);
  }

  async findBySha256(tenant: string, sha256: string): Promise<ImageRecord | null> {
    const row = await this.db.selectFrom('images').selectAll().where('tenant', '=', tenant).where('sha256', '=', sha256).executeTakeFirst();
    return row === undefined ? null : toRecord(row);
  }

  async listImages(tenant: string, options: ListImagesOptions): Promise<ImagePage> {
    const { limit, cursor, sort, ...filters } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxListLimit) {
      throw fail('invalid_request', `limit must be an integer from 1 to ${maxListLimit}`);
    }
    const order = imageOrder(sort);
    const query = await filteredImages(this.db, this.engine, tenant, filters, this.options.driverLimit);
    const { page, next } = await keysetPage(query, { order, limit, cursor });
    return { items: page.map(toRecord), next };
  }

  async updateImage(tenant: string, id: string, changes: Partial<EditableImageFields>): Promise<ImageRecord | null> {
    const updated = await this.db.transaction().execute(async (trx) => {
      const { filename, title, alt, tags, meta } = changes;
      // The words are made from the row as it will be; on PostgreSQL the lock keeps a concurrent
      // patch from basing them on a title this one replaces (SQLite runs one writer at a time).
      const reading = trx
        .selectFrom('images')
        .select(['filename', 'title', 'alt', 'iptc'])
        .where('id', '=', id)
        .where('tenant', '=', tenant);
      const current = await (this.engine === 'postgres' ? reading.forUpdate() : reading).executeTakeFirst();
      if (current === undefined) return false;
      const searched = {
        filename: filename !== undefined ? filename : current.filename,
        title: title !== undefined ? title : current.title,
        alt: alt !== undefined ? alt : current.alt,
        iptc: current.iptc === null ? null : (JSON.parse(current.iptc) as IptcFacts),
      };
      const set = {
        search_text: searchText(searched),
        ...(filename !== undefined ? { filename } : {}),
        ...(title !== undefined ? { title } : {}),
        ...(alt !== undefined ? { alt } : {}),
        ...(tags !== undefined ? { tags: tagsText(tags) } : {}),
        ...(meta !== undefined ? { meta: meta === null ? null : JSON.stringify(meta) } : {}),
      };
      const result = await trx.updateTable('images').set(set).where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      if (tags !== undefined) await writeTags(trx, tenant, id, tags);
      return true;
    });
    return updated ? this.getImage(tenant, id) : null;
  }

  async findSimilar(tenant: string, hash: string, options: SimilarOptions): Promise<SimilarImage[]> {
    return findSimilar(this.db, tenant, hash, options);
  }

  async listUnhashed(limit: number, afterId?: string): Promise<ImageRecord[]> {
    let query = this.db.selectFrom('images').selectAll().where('phash', 'is', null).where('format', '!=', 'svg');
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return (await query.orderBy('id').limit(limit).execute()).map(toRecord);
  }

  async setPerceptualHash(id: string, hash: string): Promise<boolean> {
    const result = await this.db.updateTable('images').set(perceptualHashColumns(hash)).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteImage(tenant: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('images').where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await trx.deleteFrom('image_tags').where('image_id', '=', id).execute();
      return true;
    });
  }

  /**
   * SQLite: the images_fts rowid of a new row, one past the largest (the unique index answers
   * max; SQLite's single writer makes it race-free). PostgreSQL has no such column.
   */
  private searchRowid(): { search_rowid?: RawBuilder<number> } {
    return this.engine === 'sqlite' ? { search_rowid: sql<number>`(select coalesce(max(search_rowid), 0) + 1 from images)` } : {};
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    // pg's Pool throws when ended twice; shutdown paths may call close more than once.
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}

/** The image's rows in image_tags become exactly `tags`. */
async function writeTags(db: Kysely<Database>, tenant: string, imageId: string, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('image_tags').where('image_id', '=', imageId).execute();
  if (tags.length > 0)
    await db
      .insertInto('image_tags')
      .values(tags.map((tag) => ({ image_id: imageId, tenant, tag })))
      .execute();
}

function tagsText(tags: readonly string[]): string | null {
  return tags.length === 0 ? null : JSON.stringify(tags);
}

function toRow(image: ImageRecord): Insertable<ImagesTable> {
  return {
    id: image.id,
    tenant: image.tenant,
    filename: image.filename,
    format: image.format,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    sha256: image.sha256,
    frames: image.frames,
    has_alpha: image.hasAlpha ? 1 : 0,
    orientation: image.orientation,
    blurhash: image.blurhash,
    dominant_color: image.dominantColor,
    created_at: image.createdAt.getTime(),
    title: image.title,
    alt: image.alt,
    tags: tagsText(image.tags),
    meta: image.meta === null ? null : JSON.stringify(image.meta),
    exif: image.exif === null ? null : JSON.stringify(image.exif),
    iptc: image.iptc === null ? null : JSON.stringify(image.iptc),
    search_text: searchText(image),
    taken_at: takenAtMillis(image.exif),
    ...perceptualHashColumns(image.perceptualHash),
  };
}

function toRecord(row: Selectable<ImagesTable>): ImageRecord {
  if (!isImageFormat(row.format)) throw new Error(`catalog: image ${row.id} has unknown format ${row.format}`);
  return {
    id: row.id,
    tenant: row.tenant,
    filename: row.filename,
    format: row.format,
    width: Number(row.width),
    height: Number(row.height),
    bytes: Number(row.bytes),
    sha256: row.sha256,
    frames: Number(row.frames),
    hasAlpha: Number(row.has_alpha) === 1,
    orientation: row.orientation === null ? null : Number(row.orientation),
    blurhash: row.blurhash,
    dominantColor: row.dominant_color,
    createdAt: new Date(Number(row.created_at)),
    title: row.title,
    alt: row.alt,
    tags: row.tags === null ? [] : (JSON.parse(row.tags) as string[]),
    meta: row.meta === null ? null : (JSON.parse(row.meta) as JsonObject),
    exif: row.exif === null ? null : (JSON.parse(row.exif) as ExifFacts),
    iptc: row.iptc === null ? null : (JSON.parse(row.iptc) as IptcFacts),
    perceptualHash: row.phash,
  };
}

function isImageFormat(format: string): format is ImageFormat {
  return formats.has(format);
}
