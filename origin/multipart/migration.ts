import type { Kysely } from 'kysely';
import type { NamedMigration } from '../catalog/named-migration.ts';

/** Multipart uploads and their parts (SPEC section 4, `/v1/uploads`); listed in catalog/migrations.ts. */
export const createUploads: NamedMigration = {
  name: '0003-uploads',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('uploads')
      .ifNotExists()
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant', 'text', (column) => column.notNull())
      .addColumn('filename', 'text')
      .addColumn('content_type', 'text')
      .addColumn('declared_size', 'bigint')
      .addColumn('part_size', 'bigint', (column) => column.notNull())
      .addColumn('eager', 'text')
      .addColumn('state', 'text', (column) => column.notNull())
      .addColumn('storage_key', 'text', (column) => column.notNull())
      .addColumn('backend_upload_id', 'text', (column) => column.notNull())
      .addColumn('assembled', 'integer', (column) => column.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('image_id', 'text')
      .addColumn('deduplicated', 'integer', (column) => column.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_detail', 'text')
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .execute();
    // The sweeper looks for open uploads past their expiry.
    await db.schema.createIndex('uploads_state_expires_idx').ifNotExists().on('uploads').columns(['state', 'expires_at']).execute();
    await db.schema
      .createTable('upload_parts')
      .ifNotExists()
      .addColumn('upload_id', 'text', (column) => column.notNull())
      .addColumn('part_number', 'integer', (column) => column.notNull())
      .addColumn('etag', 'text', (column) => column.notNull())
      .addColumn('backend_etag', 'text', (column) => column.notNull())
      .addColumn('size', 'bigint', (column) => column.notNull())
      .addColumn('uploaded_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('upload_parts_pkey', ['upload_id', 'part_number'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('upload_parts').ifExists().execute();
    await db.schema.dropTable('uploads').ifExists().execute();
  },
};

/** `GET /v1/uploads` lists a tenant's open uploads newest first: an index for that order (rows untouched). */
export const indexUploadsByTenant: NamedMigration = {
  name: '0008-uploads-by-tenant',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('uploads_tenant_state_created_idx')
      .ifNotExists()
      .on('uploads')
      .columns(['tenant', 'state', 'created_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('uploads_tenant_state_created_idx').ifExists().execute();
  },
};
