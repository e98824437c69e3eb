import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { FileStorage } from './file-storage.ts';
import { multipartFor, type MultipartStorage } from './multipart.ts';
import { S3Storage } from './s3-storage.ts';
import { startS3rver, type S3rverHandle } from '../../test/helpers/s3rver.ts';
import { readAll } from './storage.contract.ts';
import type { ObjectStorage } from './types.ts';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

interface Backend {
  storage: ObjectStorage;
  /** s3rver neither checks part ETags at completion nor implements aborting. */
  checksEtags: boolean;
  cleanup(): Promise<void>;
}

async function keysUnder(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list(prefix)) keys.push(object.key);
  return keys;
}

function describeMultipart(name: string, makeBackend: () => Promise<Backend>): void {
  describe(`multipart uploads: ${name}`, () => {
    let backend: Backend;
    let multipart: MultipartStorage;
    beforeAll(async () => {
      backend = await makeBackend();
      multipart = multipartFor(backend.storage);
    });
    afterAll(async () => backend.cleanup());

    it('assembles parts sent out of order, a re-sent part replacing the first copy', async () => {
      const source = randomBytes(11 * MiB + 123);
      const slices = [source.subarray(0, 5 * MiB), source.subarray(5 * MiB, 10 * MiB), source.subarray(10 * MiB)];
      const key = `uploads/${randomUUID()}/object`;
      const id = await multipart.create(key, { contentType: 'application/octet-stream' });
      const send = (n: number, bytes: Uint8Array) => multipart.uploadPart(key, id, n, Readable.from([bytes]), bytes.byteLength);

      const third = await send(3, slices[2] as Buffer);
      await send(1, randomBytes(5 * MiB)); // wrong bytes first, replaced below
      const first = await send(1, slices[0] as Buffer);
      const second = await send(2, slices[1] as Buffer);
      expect(first).toEqual({ partNumber: 1, etag: md5(slices[0] as Buffer), size: 5 * MiB });
      expect(third.etag).toBe(md5(slices[2] as Buffer));

      const info = await multipart.complete(key, id, [first, second, third]);
      expect(info.size).toBe(source.byteLength);
      const stored = await backend.storage.get(key);
      expect(stored).not.toBeNull();
      const bytes = await readAll(stored?.body ?? Readable.from([]));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(source).digest('hex'));
      // Nothing but the object is left under its folder.
      expect(await keysUnder(backend.storage, key.slice(0, key.lastIndexOf('/') + 1))).toEqual([key]);
    });

    it('refuses to complete with an etag that is not the stored part', async ({ skip }) => {
      if (!backend.checksEtags) skip('s3rver does not compare part ETags at completion');
      const key = `uploads/${randomUUID()}/object`;
      const id = await multipart.create(key);
      const part = await multipart.uploadPart(key, id, 1, Readable.from([Buffer.from('hello')]), 5);
      const error = await multipart.complete(key, id, [{ partNumber: 1, etag: md5(Buffer.from('other')) }]).catch((e: unknown) => e);
      expect(isPixelfrontError(error) && error.code).toBe('invalid_request');
      expect(await backend.storage.head(key)).toBeNull();
      await multipart.abort(key, id);
      expect(part.etag).toBe(md5(Buffer.from('hello')));
    });

    it('aborts: parts are freed and aborting again is no error', async () => {
      const key = `uploads/${randomUUID()}/object`;
      const id = await multipart.create(key);
      await multipart.uploadPart(key, id, 1, Readable.from([Buffer.from('part one')]), 8);
      await multipart.abort(key, id);
      await multipart.abort(key, id);
      expect(await keysUnder(backend.storage, key.slice(0, key.lastIndexOf('/') + 1))).toEqual([]);
      expect(await backend.storage.head(key)).toBeNull();
    });
  });
}

describeMultipart('file backend (parts stored as objects)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pixelfront-multipart-'));
  const storage = new FileStorage(root);
  await storage.open();
  return { storage, checksEtags: true, cleanup: () => rm(root, { recursive: true, force: true }) };
});

let s3: S3rverHandle | undefined;
afterAll(async () => s3?.stop());

describeMultipart('s3 backend (s3rver, native multipart)', async () => {
  s3 = await startS3rver();
  const bucket = 'pixelfront-multipart';
  await s3.createBucket(bucket);
  const storage = S3Storage.fromUrl(
    `s3://${bucket}/some/prefix`,
    { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true },
    { credentials: s3.credentials },
  );
  return { storage, checksEtags: false, cleanup: () => storage.close() };
});

describe('StoredPartsMultipart', () => {
  it("takes the caller's MD5 of a part as its etag (no second hash), and concatenate still checks the bytes against it", async () => {
    const root = await mkdtemp(join(tmpdir(), 'pixelfront-multipart-md5-'));
    try {
      const storage = new FileStorage(root);
      await storage.open();
      const multipart = multipartFor(storage);
      const key = `uploads/${randomUUID()}/object`;
      const id = await multipart.create(key);
      const bytes = randomBytes(1000);
      const given = await multipart.uploadPart(key, id, 1, Readable.from([bytes]), bytes.length, () => md5(bytes));
      expect(given).toEqual({ partNumber: 1, etag: md5(bytes), size: 1000 });
      const joined = await multipart.concatenate?.(key, id, [{ partNumber: 1, etag: given.etag }]);
      expect(joined && (await readAll(joined)).equals(bytes)).toBe(true);
      // A wrong MD5 handed in is caught when the parts are read back, as a replaced part would be.
      await multipart.uploadPart(key, id, 2, Readable.from([bytes]), bytes.length, () => md5(Buffer.from('not these bytes')));
      const bad = await multipart.concatenate?.(key, id, [{ partNumber: 2, etag: md5(Buffer.from('not these bytes')) }]);
      const error = await (bad ? readAll(bad) : Promise.resolve()).catch((e: unknown) => e);
      expect(isPixelfrontError(error) && error.code).toBe('invalid_request');
      await expect(multipart.concatenate?.(key, id, [{ partNumber: 3, etag: given.etag }])).rejects.toMatchObject({
        code: 'invalid_request',
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
