import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices, type TestServices } from '../../test/helpers/services.ts';
import { rungsFor } from '../ladder/rungs.ts';
import { ladderKey, originalKey, variantKey } from '../storage/layout.ts';
import { deleteImage } from './delete-image.ts';
import { ingestReceivedFile } from './ingest-image.ts';
import { receiveToTempFile } from './receive.ts';
import { emptyUserMetadata } from './user-metadata.ts';

describe('ingestReceivedFile', () => {
  let services: TestServices;
  beforeAll(async () => {
    services = await startTestServices();
  });
  afterAll(() => services.destroy());

  it('answers with the registered image even when its usage count cannot be written', async () => {
    const png = await sharp({ create: { width: 23, height: 17, channels: 3, background: '#abcdef' } })
      .png()
      .toBuffer();
    const received = await receiveToTempFile(Readable.from([png]), { tempDir: services.tempDir, maxBytes: 1_000_000 });
    const { catalog, db } = services;
    // The upload counter's insert fails; everything else reaches the real database.
    const failingCount = new Proxy(db, {
      get(target, property) {
        if (property === 'insertInto')
          return (table: Parameters<typeof db.insertInto>[0]) => {
            if (table === 'upload_counts') throw new Error('catalog write failed');
            return target.insertInto(table);
          };
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      },
    });
    const warnings: string[] = [];
    const logger = { ...services.logger, warn: (message: string) => void warnings.push(message) };
    const result = await ingestReceivedFile({ ...services, db: failingCount, logger }, 'default', received, {
      filename: 'a.png',
      ...emptyUserMetadata,
    });
    expect(warnings).toContain('upload not counted in usage statistics');
    expect(result.deduplicated).toBe(false);
    expect(result.image).toMatchObject({ width: 23, height: 17, format: 'png' });
    expect(await catalog.getImage('default', result.image.id)).not.toBeNull();
    expect(await services.storage.head(originalKey(result.image.id))).not.toBeNull();
  });

  it('makes the received temp file the original by moving it (file storage: same inode, no copy), and leaves no temp file', async () => {
    const png = await sharp({ create: { width: 21, height: 13, channels: 3, background: '#654321' } })
      .png()
      .toBuffer();
    const received = await receiveToTempFile(Readable.from([png]), { tempDir: services.tempDir, maxBytes: 1_000_000 });
    const inode = (await stat(received.path)).ino;
    const { image } = await ingestReceivedFile(services, 'default', received, { filename: null, ...emptyUserMetadata });
    const path = await services.storage.localFile?.(originalKey(image.id));
    expect(path && (await stat(path)).ino).toBe(inode);
    expect(path && (await readFile(path)).equals(png)).toBe(true);
    await expect(stat(received.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves no original and no mezzanine behind when the image row cannot be written', async () => {
    // 3300 px: over 2 × the default 1600 px rung, so its mezzanine is encoded beside the catalog write.
    expect(rungsFor({ format: 'jpeg', width: 3300, height: 200, frames: 1, hasAlpha: false }, services.config.ladderSizes)).not.toEqual([]);
    const jpeg = await sharp({ create: { width: 3300, height: 200, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const received = await receiveToTempFile(Readable.from([jpeg]), { tempDir: services.tempDir, maxBytes: 10_000_000 });
    const keys = async () => {
      const found: string[] = [];
      for (const prefix of ['originals/', 'ladder/']) for await (const object of services.storage.list(prefix)) found.push(object.key);
      return found;
    };
    const before = await keys();
    const failingInsert = new Proxy(services.catalog, {
      get(target, property) {
        if (property === 'insertImage') return () => Promise.reject(new Error('catalog write failed'));
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      },
    });
    await expect(
      ingestReceivedFile({ ...services, catalog: failingInsert }, 'default', received, { filename: null, ...emptyUserMetadata }),
    ).rejects.toThrow('catalog write failed');
    expect(await keys()).toEqual(before);
    await expect(stat(received.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('deletes every object an image owns: the original, its variants and its ladder', async () => {
    const png = await sharp({ create: { width: 19, height: 11, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const received = await receiveToTempFile(Readable.from([png]), { tempDir: services.tempDir, maxBytes: 1_000_000 });
    const { image } = await ingestReceivedFile(services, 'default', received, { filename: null, ...emptyUserMetadata });
    const { storage } = services;
    const owned = [originalKey(image.id), variantKey(image.id, 'a1b2', 'webp'), ladderKey(image.id, 1024, 'webp')];
    for (const key of owned.slice(1)) await storage.put(key, Buffer.from('x'));
    await deleteImage(services, 'default', image.id);
    for (const key of owned) expect(await storage.head(key), key).toBeNull();
  });
});
