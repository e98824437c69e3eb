import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, isPixelfrontError, type ErrorCode } from '../../core/errors.ts';
import type { ObjectInfo, ObjectStorage } from './types.ts';

/**
 * The one behaviour every ObjectStorage backend must have (SPEC section 7). Each backend's test
 * file calls describeStorageContract with a factory that returns a fresh, empty storage.
 */
export interface StorageUnderTest {
  storage: ObjectStorage;
  cleanup: () => Promise<void>;
  /** Whatever in-progress state the backend keeps aside (temp files); must be empty after a failed write. */
  leftovers?: () => Promise<string[]>;
}

export interface StorageContractOptions {
  /** Whether head/get return the content type given to put (S3) or undefined (file). */
  storesContentType: boolean;
  /**
   * Limitations of a test server, not of the backend (s3rver). Each narrows one check and says so.
   * - listsFoldersFirst: lists `a/…` before `a-b`/`a.b` (S3, R2 and MinIO sort by bytes), and so
   *   loses such keys across pages; the list fixtures then leave those keys out.
   * - nonAtomicPuts: writes objects in place, so racing PUTs interleave (S3, R2 and MinIO PUTs
   *   are atomic); the race check is skipped.
   * - ignoresConditionalPuts: ignores `If-None-Match: *` on PUT and overwrites (S3 and R2 answer
   *   412); only putIfAbsent's create path is checked.
   */
  serverQuirks?: { listsFoldersFirst?: boolean; nonAtomicPuts?: boolean; ignoresConditionalPuts?: boolean };
}

const MiB = 1024 * 1024;

export function describeStorageContract(name: string, makeStorage: () => Promise<StorageUnderTest>, options: StorageContractOptions): void {
  const quirks = options.serverQuirks ?? {};
  for (const quirk of Object.keys(quirks)) console.warn(`storage contract ${name}: narrowed for the test server's ${quirk} quirk`);
  describe(`storage contract: ${name}`, () => {
    let subject: StorageUnderTest;
    let storage: ObjectStorage;

    beforeEach(async () => {
      subject = await makeStorage();
      storage = subject.storage;
    });
    afterEach(async () => {
      await storage.close();
      await subject.cleanup();
    });

    describe('put and get', () => {
      it('round-trips a Buffer', async () => {
        const bytes = randomBytes(3000);
        const before = Date.now();
        const info = await storage.put('originals/abc', bytes);
        expect(info).toMatchObject({ key: 'originals/abc', size: 3000 });
        const object = await storage.get('originals/abc');
        expect(object).not.toBeNull();
        if (!object) return;
        expect(object).toMatchObject({ key: 'originals/abc', size: 3000, range: undefined });
        expect(Math.abs(object.lastModified.getTime() - before)).toBeLessThan(10_000);
        expect(await readAll(object.body)).toEqual(bytes);
      });

      it('round-trips a Readable made of many chunks', async () => {
        const chunks = Array.from({ length: 20 }, (_, index) => Buffer.alloc(777, index));
        const info = await storage.put('variants/abc/h1.webp', Readable.from(chunks));
        expect(info.size).toBe(777 * 20);
        expect(await getBytes(storage, 'variants/abc/h1.webp')).toEqual(Buffer.concat(chunks));
      });

      it('round-trips a multi-MiB stream without changing a byte', async () => {
        const { stream, digest, size } = randomStream(12 * MiB + 12345);
        const info = await storage.put('originals/big', stream);
        expect(info.size).toBe(size);
        const object = await storage.get('originals/big');
        expect(object?.size).toBe(size);
        if (!object) return;
        expect(sha256(await readAll(object.body))).toBe(digest());
      });

      it('stores empty objects from a Buffer and from a stream', async () => {
        expect((await storage.put('e/buffer', Buffer.alloc(0))).size).toBe(0);
        expect((await storage.put('e/stream', Readable.from([]))).size).toBe(0);
        expect(await getBytes(storage, 'e/buffer')).toEqual(Buffer.alloc(0));
        expect(await getBytes(storage, 'e/stream')).toEqual(Buffer.alloc(0));
        expect((await storage.head('e/stream'))?.size).toBe(0);
      });

      it('overwrites with a shorter object completely', async () => {
        await storage.put('originals/x', Buffer.alloc(5000, 1));
        await storage.put('originals/x', Readable.from([Buffer.from('short')]));
        expect((await getBytes(storage, 'originals/x'))?.toString()).toBe('short');
        expect((await storage.head('originals/x'))?.size).toBe(5);
      });

      it('returns null for a missing key', async () => {
        expect(await storage.get('originals/missing')).toBeNull();
        expect(await storage.get('originals/missing', { start: 0, end: 10 })).toBeNull();
        expect(await storage.head('originals/missing')).toBeNull();
      });

      it(options.storesContentType ? 'keeps the content type' : 'reports no content type', async () => {
        await storage.put('variants/a/b.webp', Buffer.from('x'), { contentType: 'image/webp' });
        await storage.put('variants/a/c.avif', Readable.from([Buffer.from('y')]), { contentType: 'image/avif' });
        const expected = (type: string) => (options.storesContentType ? type : undefined);
        expect((await storage.head('variants/a/b.webp'))?.contentType).toBe(expected('image/webp'));
        const object = await storage.get('variants/a/c.avif');
        object?.body.resume();
        expect(object?.contentType).toBe(expected('image/avif'));
      });
    });

    describe('ranges', () => {
      const bytes = Buffer.from(Array.from({ length: 100 }, (_, index) => index));
      beforeEach(async () => {
        await storage.put('r/obj', bytes);
      });

      const cases: [string, { start: number; end?: number }, number, number][] = [
        ['the first byte', { start: 0, end: 0 }, 0, 0],
        ['the first bytes', { start: 0, end: 9 }, 0, 9],
        ['the middle', { start: 40, end: 59 }, 40, 59],
        ['an open end', { start: 90 }, 90, 99],
        ['the last byte', { start: 99, end: 99 }, 99, 99],
        ['an end past the size (clamped)', { start: 95, end: 1000 }, 95, 99],
      ];
      for (const [label, range, start, end] of cases) {
        it(`serves ${label}`, async () => {
          const object = await storage.get('r/obj', range);
          expect(object).not.toBeNull();
          if (!object) return;
          expect(object.range).toEqual({ start, end });
          expect(object.size).toBe(100);
          expect(await readAll(object.body)).toEqual(bytes.subarray(start, end + 1));
        });
      }

      it('throws RangeError for a start at or past the end and for reversed ranges', async () => {
        await expect(storage.get('r/obj', { start: 100 })).rejects.toBeInstanceOf(RangeError);
        await expect(storage.get('r/obj', { start: 150, end: 200 })).rejects.toBeInstanceOf(RangeError);
        await expect(storage.get('r/obj', { start: 10, end: 5 })).rejects.toBeInstanceOf(RangeError);
        await expect(storage.get('r/obj', { start: -1 })).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe('head and delete', () => {
      it('heads an object', async () => {
        await storage.put('originals/h', Buffer.alloc(42));
        const info = await storage.head('originals/h');
        expect(info).toMatchObject({ key: 'originals/h', size: 42 });
        expect(info?.lastModified).toBeInstanceOf(Date);
      });

      it('deletes, and deleting a missing key is not an error', async () => {
        await storage.put('originals/d', Buffer.from('d'));
        await storage.delete('originals/d');
        expect(await storage.head('originals/d')).toBeNull();
        expect(await storage.get('originals/d')).toBeNull();
        await expect(storage.delete('originals/d')).resolves.toBeUndefined();
        await expect(storage.delete('never/was/here')).resolves.toBeUndefined();
      });

      it('leaves no trace of a deleted nested key', async () => {
        await storage.put('a/b/c/d', Buffer.from('deep'));
        await storage.delete('a/b/c/d');
        expect(await keys(storage, '')).toEqual([]);
        // With the emptied folders gone, a shorter key on the same path is an ordinary object.
        await storage.put('a/b', Buffer.from('flat'));
        expect((await getBytes(storage, 'a/b'))?.toString()).toBe('flat');
      });
    });

    describe('list and deletePrefix', () => {
      // `img1-x` and `img1.a` sort before `img1/` by bytes: a folder walk gets them wrong.
      const byteOrderTraps = ['variants/img1-x/y.png', 'variants/img1.a/z'];
      const all = [
        'variants/img1/b.webp',
        'originals/img2',
        'variants/img1/a.avif',
        'variants/img10/x.png',
        ...(quirks.listsFoldersFirst ? [] : byteOrderTraps),
        'originals/img1',
        'watermarks/t1/logo.png',
        'variants/img1/sub/deeper/c.jpg',
        'variants/img1_/q',
        'variants/img1A/q',
      ];
      beforeEach(async () => {
        for (const [index, key] of all.entries()) await storage.put(key, Buffer.alloc(index + 1));
      });

      it('lists everything in key order with sizes', async () => {
        const listed = await collect(storage.list(''));
        expect(listed.map((object) => object.key)).toEqual([...all].sort());
        for (const object of listed) {
          expect(object.size).toBe(all.indexOf(object.key) + 1);
          expect(object.lastModified).toBeInstanceOf(Date);
        }
      });

      it('lists by folder prefix, nested, in key order', async () => {
        expect(await keys(storage, 'variants/img1/')).toEqual([
          'variants/img1/a.avif',
          'variants/img1/b.webp',
          'variants/img1/sub/deeper/c.jpg',
        ]);
        expect(await keys(storage, 'originals/')).toEqual(['originals/img1', 'originals/img2']);
      });

      it('lists by a partial prefix, as a string prefix of the key', async () => {
        expect(await keys(storage, 'variants/img1')).toEqual(all.filter((key) => key.startsWith('variants/img1')).sort());
        expect(await keys(storage, 'orig')).toEqual(['originals/img1', 'originals/img2']);
        expect(await keys(storage, 'variants/img1/s')).toEqual(['variants/img1/sub/deeper/c.jpg']);
      });

      it('lists nothing for an unknown prefix', async () => {
        expect(await keys(storage, 'nothing/')).toEqual([]);
        expect(await keys(storage, 'originals/img1/')).toEqual([]);
      });

      it('shows no object while a write is in progress', async () => {
        const body = new PassThrough();
        const writing = storage.put('uploads/pending', body);
        body.write(Buffer.alloc(64 * 1024, 7));
        await sleep(100);
        expect(await keys(storage, '')).toEqual([...all].sort());
        expect(await storage.head('uploads/pending')).toBeNull();
        body.end(Buffer.alloc(10, 7));
        expect((await writing).size).toBe(64 * 1024 + 10);
        expect(await keys(storage, 'uploads/')).toEqual(['uploads/pending']);
      });

      it('deletes by prefix and counts', async () => {
        expect(await storage.deletePrefix('variants/img1/')).toBe(3);
        const rest = all.filter((key) => key.startsWith('variants/') && !key.startsWith('variants/img1/')).sort();
        expect(await keys(storage, 'variants/')).toEqual(rest);
        expect(await storage.deletePrefix('variants/')).toBe(rest.length);
        expect(await storage.deletePrefix('variants/')).toBe(0);
        expect(await keys(storage, '')).toEqual(['originals/img1', 'originals/img2', 'watermarks/t1/logo.png']);
      });
    });

    describe('keys', () => {
      const bad = ['../x', '/abs', 'a//b', 'a/./b', 'a/../../etc/passwd', '', 'a/', 'a\\b', 'a b', '..', 'x/..', 'é', 'a'.repeat(1025)];
      for (const key of bad) {
        it(`rejects ${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}…(${key.length})` : key)} with invalid_request`, async () => {
          await expectCode(storage.put(key, Buffer.from('x')), 'invalid_request');
          await expectCode(storage.put(key, Readable.from([Buffer.from('x')])), 'invalid_request');
          await expectCode(storage.get(key), 'invalid_request');
          await expectCode(storage.head(key), 'invalid_request');
          await expectCode(storage.delete(key), 'invalid_request');
        });
      }

      it('rejects bad prefixes', async () => {
        for (const prefix of ['../', '/abs', 'a//', '..', 'a/../']) {
          await expectCode(collect(storage.list(prefix)), 'invalid_request');
          await expectCode(storage.deletePrefix(prefix), 'invalid_request');
        }
      });

      it('accepts the layout of SPEC section 7', async () => {
        for (const key of [
          'originals/01HZX3J5K6',
          'variants/01HZX3J5K6/9f86d081884c7d65.webp',
          'watermarks/tenant_a/logo-2.png',
          'uploads/u1/00001',
        ]) {
          await storage.put(key, Buffer.from(key));
          expect((await getBytes(storage, key))?.toString()).toBe(key);
        }
      });
    });

    describe('atomicity', () => {
      it('leaves no object when the stream fails mid-way, and rethrows its error', async () => {
        const failure = new Error('client went away');
        await expect(storage.put('originals/broken', failingStream(MiB, failure))).rejects.toBe(failure);
        expect(await storage.head('originals/broken')).toBeNull();
        expect(await keys(storage, '')).toEqual([]);
        expect((await subject.leftovers?.()) ?? []).toEqual([]);
      });

      it('leaves no object when a multi-part stream fails after its first parts', async () => {
        const failure = new Error('late failure');
        await expect(storage.put('originals/broken-big', failingStream(10 * MiB, failure))).rejects.toBe(failure);
        expect(await storage.head('originals/broken-big')).toBeNull();
        expect((await subject.leftovers?.()) ?? []).toEqual([]);
      });

      it("passes the body's PixelfrontError through unchanged (a size limit is a 413, not a 503)", async () => {
        const tooLarge = fail('payload_too_large', 'over the limit');
        await expectCode(storage.put('originals/too-large', failingStream(1000, tooLarge)), 'payload_too_large');
        expect(await storage.head('originals/too-large')).toBeNull();
      });

      it('keeps the old object when an overwrite fails', async () => {
        await storage.put('originals/keep', Buffer.from('old content'));
        await expect(storage.put('originals/keep', failingStream(200 * 1024, new Error('boom')))).rejects.toThrow('boom');
        expect((await getBytes(storage, 'originals/keep'))?.toString()).toBe('old content');
        expect((await subject.leftovers?.()) ?? []).toEqual([]);
      });

      it.skipIf(quirks.nonAtomicPuts)('leaves one whole object when writers race on one key', async () => {
        const size = 512 * 1024;
        const writers = Array.from({ length: 5 }, (_, index) => index + 1);
        await Promise.all(writers.map((fill) => storage.put('originals/race', slowStream(size, fill))));
        const bytes = await getBytes(storage, 'originals/race');
        expect(bytes?.length).toBe(size);
        const first = bytes?.[0];
        expect(writers).toContain(first);
        expect(bytes?.every((byte) => byte === first)).toBe(true);
        expect((await subject.leftovers?.()) ?? []).toEqual([]);
      });
    });

    describe('putIfAbsent', () => {
      it('creates a missing object', async () => {
        const info = await storage.putIfAbsent('watermarks/t/logo', Buffer.from('first'), { contentType: 'image/png' });
        expect(info).toMatchObject({ key: 'watermarks/t/logo', size: 5 });
        expect((await getBytes(storage, 'watermarks/t/logo'))?.toString()).toBe('first');
        expect((await subject.leftovers?.()) ?? []).toEqual([]);
      });

      it.skipIf(quirks.ignoresConditionalPuts)('leaves an existing object as it was and answers null', async () => {
        await storage.put('watermarks/t/logo', Buffer.from('first'));
        expect(await storage.putIfAbsent('watermarks/t/logo', Buffer.from('second'))).toBeNull();
        expect((await getBytes(storage, 'watermarks/t/logo'))?.toString()).toBe('first');
        expect((await subject.leftovers?.()) ?? []).toEqual([]);
      });

      it.skipIf(quirks.ignoresConditionalPuts)('lets exactly one of racing writers create the object', async () => {
        const writers = Array.from({ length: 6 }, (_, index) => Buffer.alloc(64 * 1024, index + 1));
        const results = await Promise.all(writers.map((bytes) => storage.putIfAbsent('watermarks/t/race', bytes)));
        const winners = results.flatMap((result, index) => (result ? [index] : []));
        expect(winners).toHaveLength(1);
        expect(await getBytes(storage, 'watermarks/t/race')).toEqual(writers[winners[0] ?? -1]);
      });
    });

    it('pings', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });
  });
}

export async function readAll(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function getBytes(storage: ObjectStorage, key: string): Promise<Buffer | null> {
  const object = await storage.get(key);
  return object ? readAll(object.body) : null;
}

async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const items: ObjectInfo[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function keys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  return (await collect(storage.list(prefix))).map((object) => object.key);
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isPixelfrontError(error) ? error.code : error).toBe(code);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `size` random bytes in 64 KiB chunks, generated as read; digest() is valid once fully read. */
function randomStream(size: number): { stream: Readable; digest: () => string; size: number } {
  const hash = createHash('sha256');
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size;) {
      const chunk = randomBytes(Math.min(64 * 1024, size - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  let result: string | undefined;
  return { stream: Readable.from(chunks()), size, digest: () => (result ??= hash.digest('hex')) };
}

/** Sends `bytesBeforeFailure` bytes, then fails with `error`. */
function failingStream(bytesBeforeFailure: number, error: unknown): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < bytesBeforeFailure; sent += 64 * 1024) {
      yield Buffer.alloc(Math.min(64 * 1024, bytesBeforeFailure - sent), 9);
      await sleep(1);
    }
    throw error;
  }
  return Readable.from(chunks());
}

/** `size` bytes of `fill`, with pauses so concurrent writers interleave. */
function slowStream(size: number, fill: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size; sent += 32 * 1024) {
      yield Buffer.alloc(Math.min(32 * 1024, size - sent), fill);
      await sleep(Math.random() * 5);
    }
  }
  return Readable.from(chunks());
}
