import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices, type TestServices } from '../../test/helpers/services.ts';
import { originalKey, uploadObjectKey, uploadPrefix } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { completeUpload } from './complete-upload.ts';
import { MIN_PART_BYTES } from './limits.ts';
import { UploadService } from './upload-service.ts';

async function keysUnder(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list(prefix)) keys.push(object.key);
  return keys;
}

/** Storage that records the keys written and fails `put`/`putFile` of originals while `failOriginals` is set. */
function recording(storage: ObjectStorage) {
  const puts: string[] = [];
  const state = { failOriginals: false };
  const proxy = new Proxy(storage, {
    get(target, property) {
      if (property === 'put' || property === 'putFile') {
        return (key: string, ...rest: unknown[]) => {
          puts.push(key);
          if (state.failOriginals && key.startsWith('originals/')) return Promise.reject(new Error('storage down'));
          return (Reflect.get(target, property) as (...args: unknown[]) => Promise<unknown>).call(target, key, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value.bind(target) as unknown) : value;
    },
  });
  return { storage: proxy, puts, state };
}

describe('multipart completion on the file backend', () => {
  let services: TestServices;
  let photo: Buffer;
  let mean = 100;
  beforeAll(async () => {
    services = await startTestServices();
  });
  afterAll(() => services.destroy());

  async function uploadInTwoParts(service: UploadService): Promise<string> {
    // A different picture each time, so no upload deduplicates to an earlier one.
    mean += 10;
    photo = await sharp({
      create: { width: 1700, height: 1400, channels: 3, background: '#000', noise: { type: 'gaussian', mean, sigma: 50 } },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const upload = await service.create('default', {
      filename: 'noise.png',
      contentType: 'image/png',
      size: photo.length,
      partSize: MIN_PART_BYTES,
      eager: null,
      metadata: null,
      duplicates: 'allow',
    });
    const cut = Math.max(MIN_PART_BYTES, upload.part_size);
    expect(photo.length).toBeGreaterThan(cut);
    await service.putPart('default', upload.id, 1, Readable.from([photo.subarray(0, cut)]), cut);
    await service.putPart('default', upload.id, 2, Readable.from([photo.subarray(cut)]), photo.length - cut);
    return upload.id;
  }

  it('streams the parts into the upload temp file without writing an assembled object, and frees them after', async () => {
    const { storage, puts } = recording(services.storage);
    const service = new UploadService({ ...services, storage });
    const id = await uploadInTwoParts(service);
    puts.length = 0;
    const { image } = await completeUpload(service, 'default', id, undefined);
    expect(puts).toEqual([originalKey(image.id)]);
    expect(puts).not.toContain(uploadObjectKey(id));
    const stored = await services.storage.get(originalKey(image.id));
    const chunks: Buffer[] = [];
    for await (const chunk of stored?.body ?? []) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(photo)).toBe(true);
    expect(await keysUnder(services.storage, uploadPrefix(id))).toEqual([]);
  });

  it('keeps the parts when storing the original fails, so the retried completion succeeds', async () => {
    const { storage, state } = recording(services.storage);
    const service = new UploadService({ ...services, storage });
    const id = await uploadInTwoParts(service);
    state.failOriginals = true;
    await expect(completeUpload(service, 'default', id, undefined)).rejects.toThrow();
    expect((await keysUnder(services.storage, uploadPrefix(id))).length).toBe(2);
    expect((await service.find('default', id)).state).toBe('open');
    state.failOriginals = false;
    const { image } = await completeUpload(service, 'default', id, undefined);
    expect(image).toMatchObject({ width: 1700, height: 1400, format: 'png' });
    expect(await keysUnder(services.storage, uploadPrefix(id))).toEqual([]);
  });
});
