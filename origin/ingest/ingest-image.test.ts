import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from '../../test/helpers/origin.ts';
import type { Catalog } from '../catalog/types.ts';
import { ingestReceivedFile } from './ingest-image.ts';
import { receiveToTempFile } from './receive.ts';

describe('ingestReceivedFile', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(() => origin.destroy());

  it('answers with the registered image even when its usage count cannot be written', async () => {
    const png = await sharp({ create: { width: 23, height: 17, channels: 3, background: '#abcdef' } }).png().toBuffer();
    const received = await receiveToTempFile(Readable.from([png]), { tempDir: origin.services.tempDir, maxBytes: 1_000_000 });
    const catalog = origin.services.catalog;
    const failingCount: Catalog = new Proxy(catalog, {
      get(target, property) {
        if (property === 'countUpload') return () => Promise.reject(new Error('catalog write failed'));
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      },
    });
    const result = await ingestReceivedFile({ ...origin.services, catalog: failingCount }, 'default', received, 'a.png');
    expect(result.deduplicated).toBe(false);
    expect(result.image).toMatchObject({ width: 23, height: 17, format: 'png' });
    expect(await catalog.getImage('default', result.image.id)).not.toBeNull();
    expect(await origin.services.storage.head(`originals/${result.image.id}`)).not.toBeNull();
  });
});
