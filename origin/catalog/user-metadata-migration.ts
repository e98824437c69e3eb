import type { Kysely } from 'kysely';
import type { NamedMigration } from './migrations.ts';

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
