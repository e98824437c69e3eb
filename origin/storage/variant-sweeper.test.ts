import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/helpers/config.ts';
import { createStorage } from './index.ts';
import type { ObjectStorage } from './types.ts';
import { sweepVariants } from './variant-sweeper.ts';

describe('variant sweeper (file backend)', () => {
  let dir: string;
  let storage: ObjectStorage;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-sweeper-'));
    storage = await createStorage(testConfig({ DATA_DIR: dir }));
  });
  afterAll(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('deletes variants written before the cut-off and keeps newer ones and originals', async () => {
    await storage.put('originals/image0001', Buffer.from('original'));
    await storage.put('variants/image0001/old.webp', Buffer.from('old'));
    await storage.put('variants/image0001/new.webp', Buffer.from('new'));
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    await utimes(join(dir, 'objects', 'variants', 'image0001', 'old.webp'), tenDaysAgo, tenDaysAgo);
    await utimes(join(dir, 'objects', 'originals', 'image0001'), tenDaysAgo, tenDaysAgo);

    expect(await sweepVariants(storage, new Date(Date.now() - 7 * 86_400_000))).toBe(1);
    expect(await storage.head('variants/image0001/old.webp')).toBeNull();
    expect(await storage.head('variants/image0001/new.webp')).not.toBeNull();
    expect(await storage.head('originals/image0001')).not.toBeNull();
  });
});
