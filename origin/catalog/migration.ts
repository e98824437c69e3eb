import type { Kysely } from 'kysely';
import type { NamedMigration } from './named-migration.ts';

// The catalog's own migrations: images and their upload counters, then people's metadata on them.
// Listed in catalog/migrations.ts; migrations only use the schema builder, never the table types.

export const createImagesAndCounters: NamedMigration = {
  name: '0001-images-and-upload-counts',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('images')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('filename', 'text')
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('width', 'integer', (column) => column.notNull())
      .addColumn('height', 'integer', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      .addColumn('sha256', 'text', (column) => column.notNull())
      .addColumn('frames', 'integer', (column) => column.notNull())
      .addColumn('has_alpha', 'integer', (column) => column.notNull())
      .addColumn('orientation', 'integer')
      .addColumn('blurhash', 'text')
      .addColumn('dominant_color', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();
    // The target of insertImage's ON CONFLICT: one image per tenant and content.
    await db.schema.createIndex('images_tenant_sha256_key').ifNotExists().unique().on('images').columns(['tenant', 'sha256']).execute();
    // Serves listImages' newest-first keyset pagination without a sort.
    await db.schema
      .createIndex('images_tenant_created_idx')
      .ifNotExists()
      .on('images')
      .columns(['tenant', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('upload_counts')
      .ifNotExists()
      .addColumn('day', 'text', (column) => column.notNull())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('format', 'text', (column) => column.notNull())
      .addColumn('count', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('upload_counts_pkey', ['day', 'tenant', 'format'])
      .execute();
    await db.schema.createIndex('upload_counts_tenant_day_idx').ifNotExists().on('upload_counts').columns(['tenant', 'day']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('upload_counts').ifExists().execute();
    await db.schema.dropTable('images').ifExists().execute();
  },
};

/**
 * EXIF and IPTC/XMP facts read at ingest (issue 15): two nullable JSON columns on images, so the
 * rows of an existing catalog stay and read back with none.
 */
export const addEmbeddedMetadata: NamedMigration = {
  name: '0009-embedded-metadata',
  async up(db: Kysely<unknown>) {
    for (const column of ['exif', 'iptc']) await db.schema.alterTable('images').addColumn(column, 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of ['iptc', 'exif']) await db.schema.alterTable('images').dropColumn(column).execute();
  },
};

/**
 * People's own metadata (issue 15): four nullable columns on images, so existing rows stay as they
 * are (no title, no tags), the image_tags index table behind `GET /v1/images?tag=`, and the
 * metadata a multipart upload was started with.
 */
export const addUserMetadata: NamedMigration = {
  name: '0005-user-metadata',
  async up(db: Kysely<unknown>) {
    for (const column of ['title', 'alt', 'tags', 'meta']) {
      await db.schema.alterTable('images').addColumn(column, 'text').execute();
    }
    await db.schema
      .createTable('image_tags')
      .ifNotExists()
      .addColumn('image_id', 'text', (column) => column.notNull())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('tag', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('image_tags_pkey', ['image_id', 'tag'])
      .execute();
    // What POST /v1/uploads was given, JSON, applied to the image at completion.
    await db.schema.alterTable('uploads').addColumn('metadata', 'text').execute();
    // A tag query walks one tenant's tag; the image id last lets it answer membership alone.
    await db.schema
      .createIndex('image_tags_tenant_tag_idx')
      .ifNotExists()
      .on('image_tags')
      .columns(['tenant', 'tag', 'image_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('uploads').dropColumn('metadata').execute();
    await db.schema.dropTable('image_tags').ifExists().execute();
    for (const column of ['meta', 'tags', 'alt', 'title']) {
      await db.schema.alterTable('images').dropColumn(column).execute();
    }
  },
};
