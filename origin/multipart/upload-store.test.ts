import { afterAll, describe, expect, it } from 'vitest';
import { testSchema } from '../../test/helpers/postgres.ts';
import { migrateToLatest, openDatabase } from '../catalog/index.ts';
import { UploadStore, type UploadRow } from './upload-store.ts';

/** `GET /v1/uploads`'s query on both catalogs: open, unexpired, the tenant's own, newest first. */

const schema = testSchema('pf_uploads', 'upload store on PostgreSQL');
const hasPostgres = await schema.create();
afterAll(async () => {
  if (hasPostgres) await schema.drop();
});

const backends = [
  { name: 'sqlite', url: () => 'sqlite://:memory:', skip: false },
  { name: 'postgres', url: () => schema.url(), skip: !hasPostgres },
];

const NOW = 1_800_000_000_000;

function upload(id: string, overrides: Partial<UploadRow> = {}): UploadRow {
  return {
    id,
    tenant: 't',
    filename: `${id}.png`,
    content_type: 'image/png',
    declared_size: null,
    part_size: 5 * 1024 * 1024,
    eager: null,
    metadata: null,
    duplicates: null,
    state: 'open',
    storage_key: `uploads/${id}/object`,
    backend_upload_id: id,
    assembled: 0,
    lease_until: null,
    image_id: null,
    deduplicated: 0,
    error_code: null,
    error_detail: null,
    expires_at: NOW + 3_600_000,
    created_at: NOW - 10_000,
    updated_at: NOW - 10_000,
    ...overrides,
  };
}

describe.each(backends)('upload store on $name', ({ url, skip }) => {
  it.skipIf(skip)('lists open uploads newest first (ties by id) with their received bytes, a page at a time', async () => {
    const db = openDatabase(url());
    try {
      await migrateToLatest(db);
      const store = new UploadStore(db);
      await store.insert(upload('u_old', { created_at: NOW - 3000 }));
      await store.insert(upload('u_tie_a', { created_at: NOW - 2000 }));
      await store.insert(upload('u_tie_b', { created_at: NOW - 2000 }));
      await store.insert(upload('u_done', { state: 'completed', created_at: NOW - 1000 }));
      await store.insert(upload('u_aborted', { state: 'aborted', created_at: NOW - 1000 }));
      await store.insert(upload('u_expired', { expires_at: NOW - 1, created_at: NOW - 1000 }));
      await store.insert(upload('u_theirs', { tenant: 'other' }));
      for (const [n, size] of [
        [1, 100],
        [2, 50],
      ] as const) {
        await store.savePart({ upload_id: 'u_tie_a', part_number: n, etag: 'e', backend_etag: 'b', size, uploaded_at: NOW });
      }

      const first = await store.listOpen('t', NOW, { limit: 2 });
      expect(first.items.map((row) => [row.id, row.received_bytes, row.received_parts])).toEqual([
        ['u_tie_b', 0, 0],
        ['u_tie_a', 150, 2],
      ]);
      const second = await store.listOpen('t', NOW, { limit: 2, cursor: first.next ?? '' });
      expect(second.items.map((row) => row.id)).toEqual(['u_old']);
      expect(second.next).toBeNull();
      expect((await store.listOpen('other', NOW, { limit: 10 })).items.map((row) => row.id)).toEqual(['u_theirs']);
      expect(await store.listOpen('nobody', NOW, { limit: 10 })).toEqual({ items: [], next: null });
    } finally {
      await db.destroy();
    }
  });
});
