import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../test/helpers/config.ts';
import { createCatalog } from '../catalog/index.ts';
import { createLogger } from '../logger.ts';
import { keepLease } from './completion-lease.ts';
import { COMPLETION_LEASE_MS, COMPLETION_RENEW_MS } from './limits.ts';
import type { UploadService } from './upload-service.ts';
import { UploadStore, type UploadRow } from './upload-store.ts';

/**
 * The completion lease on a real (SQLite) catalog: a live completion keeps its upload however
 * long it works, a dead one frees it within one lease, and a holder that was taken over cannot
 * extend the new holder's lease. Time is a fake clock, so the test takes no lease-long waits.
 */

describe('multipart completion lease', () => {
  let dataDir: string;
  let catalog: Awaited<ReturnType<typeof createCatalog>>;
  let store: UploadStore;
  let now = 1_000_000;
  let warnings: string[];
  let service: UploadService;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-lease-'));
    catalog = await createCatalog(testConfig({ DATA_DIR: dataDir }));
    store = new UploadStore(catalog.db);
    await store.insert(upload('u1'));
    warnings = [];
    // Only what keepLease uses of the service: its store, its clock and its logger.
    service = {
      store,
      now: () => now,
      services: { logger: createLogger('warn', (line) => warnings.push(line)) },
    } as unknown as UploadService;
  });

  afterEach(async () => {
    vi.useRealTimers();
    await catalog.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function passMs(ms: number): Promise<void> {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  }

  it('is renewed while the completion works, so nobody takes it over', async () => {
    const until = now + COMPLETION_LEASE_MS;
    expect(await store.lease('u1', now, until)).toBe(true);
    const held = keepLease(service, 'u1', until);
    // Four lease lengths of work: another request is refused all along.
    for (let elapsed = 0; elapsed < 4 * COMPLETION_LEASE_MS; elapsed += COMPLETION_RENEW_MS) {
      await passMs(COMPLETION_RENEW_MS);
      expect(await store.lease('u1', now, now + COMPLETION_LEASE_MS)).toBe(false);
    }
    held.stop();
    expect(warnings).toEqual([]);
  });

  it('runs out within one lease once its holder is gone, and the old holder cannot renew it', async () => {
    const until = now + COMPLETION_LEASE_MS;
    expect(await store.lease('u1', now, until)).toBe(true);
    const held = keepLease(service, 'u1', until);
    held.stop(); // the process died: nothing renews
    await passMs(COMPLETION_LEASE_MS + 1);
    const takeover = now + COMPLETION_LEASE_MS;
    expect(await store.lease('u1', now, takeover)).toBe(true);
    expect(await store.renewLease('u1', until, now + COMPLETION_LEASE_MS, now)).toBe(false);
    expect((await store.get('t', 'u1'))?.lease_until).toBe(takeover);
  });

  it('stops quietly when the completion recorded its outcome before a renewal that was due', async () => {
    const until = now + COMPLETION_LEASE_MS;
    expect(await store.lease('u1', now, until)).toBe(true);
    keepLease(service, 'u1', until);
    // Completed (lease cleared), then the renewal fires before the completion stops the lease.
    await store.markCompleted('u1', 'image-1', false, now);
    await passMs(COMPLETION_RENEW_MS);
    expect(warnings).toEqual([]);
    await store.insert(upload('u2'));
    const until2 = now + COMPLETION_LEASE_MS;
    expect(await store.lease('u2', now, until2)).toBe(true);
    keepLease(service, 'u2', until2);
    await store.release('u2', now); // a failed completion gives the upload back
    await passMs(COMPLETION_RENEW_MS);
    expect(warnings).toEqual([]);
    expect((await store.get('t', 'u2'))?.lease_until).toBeNull();
  });

  it('stops renewing and says so when another request took the upload over', async () => {
    const until = now + COMPLETION_LEASE_MS;
    expect(await store.lease('u1', now, until)).toBe(true);
    keepLease(service, 'u1', until);
    // Another request found the lease expired (say this holder's renewals were stuck) and set its own.
    const theirs = now + 2 * COMPLETION_LEASE_MS;
    expect(await store.renewLease('u1', until, theirs, now)).toBe(true);
    await passMs(COMPLETION_RENEW_MS);
    expect(warnings.join('\n')).toContain('lost its lease');
    await passMs(COMPLETION_RENEW_MS);
    expect((await store.get('t', 'u1'))?.lease_until).toBe(theirs);
  });
});

function upload(id: string): UploadRow {
  return {
    id,
    tenant: 't',
    filename: null,
    content_type: null,
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
    expires_at: Number.MAX_SAFE_INTEGER,
    created_at: 0,
    updated_at: 0,
  };
}
