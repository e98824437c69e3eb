import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, migrateToLatest } from '../catalog/index.ts';
import { BatchStore, stateOf, type BatchItem } from './batch-store.ts';
import { testSchema } from '../../test/helpers/postgres.ts';

const schema = testSchema('pf_batches', 'batch store on PostgreSQL');
const hasPostgres = await schema.create();
afterAll(async () => {
  if (hasPostgres) await schema.drop();
});

const item = (n: number): BatchItem => ({
  imageId: `image000${n}`,
  canonical: 'w_100',
  format: 'webp',
  variantKey: `variants/image000${n}/h.webp`,
  name: `image000${n}/w_100.webp`,
});

const backends = [
  { name: 'sqlite', url: () => 'sqlite://:memory:', skip: false },
  { name: 'postgres', url: () => schema.url(), skip: !hasPostgres },
];

async function withStore(url: string, work: (store: BatchStore) => Promise<void>) {
  const db = openDatabase(url);
  try {
    await migrateToLatest(db);
    await work(new BatchStore(db));
  } finally {
    await db.destroy();
  }
}

describe.each(backends)('batch store on $name', ({ url, skip }) => {
  it.skipIf(skip)('counts each item once however often its job repeats, and derives the state', async () => {
    await withStore(url(), async (store) => {
      await store.create({ id: 'b1', tenant: 't', items: [item(1), item(2), item(3)] });
      expect(await store.get('t', 'b1')).toMatchObject({ state: 'queued', total: 3, done: 0, failed: 0 });
      expect(await store.get('other', 'b1')).toBeNull();
      await store.markStarted('b1');
      expect(await store.get('t', 'b1')).toMatchObject({ state: 'running' });
      const ref = (n: number) => ({ batchId: 'b1', imageId: `image000${n}`, canonical: 'w_100', format: 'webp' });
      await store.finish(ref(1), { ok: true });
      await store.finish(ref(1), { ok: true });
      await store.finish(ref(1), { ok: false, code: 'unavailable', detail: 'late repeat' });
      await store.finish(ref(2), { ok: false, code: 'corrupt_image', detail: 'bad bytes' });
      expect(await store.get('t', 'b1')).toMatchObject({ state: 'running', done: 1, failed: 1 });
      expect((await store.pendingItems()).map((pending) => pending.imageId)).toEqual(['image0003']);
      await store.finish(ref(3), { ok: true });
      const finished = await store.get('t', 'b1');
      expect(finished).toMatchObject({
        state: 'completed',
        done: 2,
        failed: 1,
        errors: [{ image: 'image0002', name: 'image0002/w_100.webp', code: 'corrupt_image', detail: 'bad bytes' }],
      });
      const done = [];
      for await (const entry of store.doneItems('b1')) done.push(entry.name);
      expect(done).toEqual(['image0001/w_100.webp', 'image0003/w_100.webp']);
      await store.delete('b1');
      expect(await store.get('t', 'b1')).toBeNull();
    });
  });

  it.skipIf(skip)("lists a tenant's batches newest first, ties by id, a page at a time, never another tenant's", async () => {
    await withStore(url(), async (store) => {
      const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
      await store.create({ id: 'b_a', tenant: 't', items: [item(1)], createdAt: at(1) });
      await store.create({ id: 'b_b', tenant: 't', items: [item(1), item(2)], createdAt: at(2) });
      await store.create({ id: 'b_c', tenant: 't', items: [], createdAt: at(2) });
      await store.create({ id: 'b_d', tenant: 't', items: [item(3)], createdAt: at(3) });
      await store.create({ id: 'b_x', tenant: 'other', items: [item(1)], createdAt: at(4) });
      await store.finish({ batchId: 'b_b', imageId: 'image0001', canonical: 'w_100', format: 'webp' }, { ok: true });

      const first = await store.list('t', { limit: 2 });
      expect(first.items.map((batch) => batch.id)).toEqual(['b_d', 'b_c']);
      expect(first.items[0]).toEqual({ id: 'b_d', state: 'queued', total: 1, done: 0, failed: 0, createdAt: at(3).toISOString() });
      const second = await store.list('t', { limit: 2, cursor: first.next ?? '' });
      expect(second.items).toEqual([
        { id: 'b_b', state: 'running', total: 2, done: 1, failed: 0, createdAt: at(2).toISOString() },
        { id: 'b_a', state: 'queued', total: 1, done: 0, failed: 0, createdAt: at(1).toISOString() },
      ]);
      expect(second.next).toBeNull();
      expect((await store.list('other', { limit: 10 })).items.map((batch) => batch.id)).toEqual(['b_x']);
      expect(await store.list('nobody', { limit: 10 })).toEqual({ items: [], next: null });
    });
  });
});

describe('batch state', () => {
  it('calls a batch failed only when nothing could be made', () => {
    expect(stateOf({ total: 2, done: 0, pending: 0, started: true })).toBe('failed');
    expect(stateOf({ total: 2, done: 1, pending: 0, started: true })).toBe('completed');
    expect(stateOf({ total: 0, done: 0, pending: 0, started: false })).toBe('completed');
    expect(stateOf({ total: 2, done: 0, pending: 2, started: false })).toBe('queued');
    expect(stateOf({ total: 2, done: 0, pending: 1, started: false })).toBe('running');
  });
});
