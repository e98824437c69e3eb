import type { Kysely } from 'kysely';
import type { NamedMigration } from '../catalog/named-migration.ts';

/** Console sign-in sessions (POST /v1/sessions); listed in catalog/migrations.ts. */
export const createSessions: NamedMigration = {
  name: '0006-sessions',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sessions')
      // SHA-256 of the cookie's token: a leaked table holds nothing a browser could send.
      .addColumn('token_hash', 'text', (column) => column.primaryKey())
      .addColumn('tenant', 'text', (column) => column.notNull())
      // SHA-256 of the API key signed in with: removing the key from API_KEYS ends its sessions.
      .addColumn('key_hash', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('sessions').ifExists().execute();
  },
};
