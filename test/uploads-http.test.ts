import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { testSchema } from './helpers/postgres.ts';
import type { ImageRecord } from '../origin/catalog/types.ts';
import type { PlannedTransform } from '../origin/transform/plan.ts';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.ts';
import { sweepExpiredUploads } from '../origin/multipart/sweeper.ts';
import { pngHead, webpHead } from './helpers/image-heads.ts';
import { send } from './helpers/robustness.ts';

const MiB = 1024 * 1024;
const keyA = 'key-aaaaaaaa';
const keyB = 'key-bbbbbbbb';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

type Json = Record<string, unknown>;

/** A 12 MiB PNG (stored, not deflated): three parts of 5, 5 and 2 MiB. */
async function bigPng(seed: number): Promise<Buffer> {
  const pixels = randomBytes(2048 * 2048 * 3);
  pixels[0] = seed; // every call a different image, so dedupe does not interfere
  return sharp(pixels, { raw: { width: 2048, height: 2048, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

function describeUploads(name: string, storageEnv: () => Promise<Record<string, string>>): void {
  describe(`multipart uploads over HTTP: ${name}`, () => {
    let origin: TestOrigin;
    beforeAll(async () => {
      origin = await startTestOrigin({ API_KEYS: `a:${keyA},b:${keyB}`, ...(await storageEnv()) });
    });
    afterAll(async () => origin?.destroy());

    const call = async (method: string, path: string, body?: unknown, key = keyA) => {
      const init: RequestInit & { duplex?: 'half' } = { method, headers: { authorization: `Bearer ${key}` } };
      if (body instanceof Uint8Array) init.body = body;
      else if (body instanceof ReadableStream) Object.assign(init, { body, duplex: 'half' });
      else if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(`${origin.url}/v1${path}`, init);
      const text = await response.text();
      return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json };
    };
    const start = async (body: Json = {}) => {
      const created = await call('POST', '/uploads', body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return String(created.body['uploadId']);
    };
    const storedKeys = async (prefix: string) => {
      const keys: string[] = [];
      for await (const object of origin.services.storage.list(prefix)) keys.push(object.key);
      return keys;
    };

    it('assembles parts sent out of order, one re-sent, into the same bytes; completing again returns the same image', async () => {
      const source = await bigPng(1);
      const slices = [source.subarray(0, 5 * MiB), source.subarray(5 * MiB, 10 * MiB), source.subarray(10 * MiB)];
      const eagerSeen: Array<{ id: string; eager: string }> = [];
      origin.services.afterUpload = async (image: ImageRecord, eager: readonly PlannedTransform[]) => {
        eagerSeen.push({ id: image.id, eager: eager.map((transform) => transform.label).join(',') });
      };
      const created = await call('POST', '/uploads', {
        filename: 'dir/big.png',
        contentType: 'image/png',
        size: source.length,
        eager: 'thumb',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ partSize: 16 * MiB, maxParts: 10000 });
      expect(Date.parse(String(created.body['expiresAt']))).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
      const id = String(created.body['uploadId']);

      expect((await call('PUT', `/uploads/${id}/parts/3`, slices[2])).body).toEqual({
        partNumber: 3,
        etag: md5(slices[2] as Buffer),
        size: (slices[2] as Buffer).length,
      });
      // A first try at part 1 with the right head (part 1 is checked from it) and wrong bytes after.
      const wrongFirst = Buffer.concat([source.subarray(0, 64 * 1024), randomBytes(5 * MiB - 64 * 1024)]);
      expect((await call('PUT', `/uploads/${id}/parts/1`, wrongFirst)).status).toBe(200);
      expect((await call('PUT', `/uploads/${id}/parts/2`, slices[1])).status).toBe(200);
      const resent = await call('PUT', `/uploads/${id}/parts/1`, slices[0]);
      expect(resent.body).toEqual({ partNumber: 1, etag: md5(slices[0] as Buffer), size: 5 * MiB });

      const state = await call('GET', `/uploads/${id}`);
      expect(state.body).toMatchObject({ state: 'open', receivedBytes: source.length, filename: 'big.png' });
      expect((state.body['parts'] as Json[]).map((part) => part['partNumber'])).toEqual([1, 2, 3]);

      const completed = await call('POST', `/uploads/${id}/complete`);
      expect(completed.status, JSON.stringify(completed.body)).toBe(201);
      expect(completed.body).toMatchObject({
        format: 'png',
        width: 2048,
        height: 2048,
        bytes: source.length,
        sha256: sha256(source),
        filename: 'big.png',
        deduplicated: false,
      });
      const imageId = String(completed.body['id']);
      const original = Buffer.from(await (await fetch(`${origin.url}/img/${imageId}`)).arrayBuffer());
      expect(original.length).toBe(source.length);
      expect(sha256(original)).toBe(sha256(source));
      expect(eagerSeen).toEqual([{ id: imageId, eager: 'thumb' }]);

      const again = await call('POST', `/uploads/${id}/complete`);
      expect(again.status).toBe(201);
      expect(again.body['id']).toBe(imageId);
      expect(eagerSeen).toHaveLength(1); // presets are queued once
      expect((await call('GET', `/uploads/${id}`)).body).toMatchObject({ state: 'completed', image: { id: imageId } });
      expect((await call('PUT', `/uploads/${id}/parts/4`, Buffer.from('late'))).status).toBe(409);
      expect((await call('DELETE', `/uploads/${id}`)).status).toBe(409);
      expect(await storedKeys(`uploads/${id}/`)).toEqual([]);
    });

    it('takes a part sent without Content-Length (chunked) and completes with an explicit, quoted part list', async () => {
      const source = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
        .jpeg()
        .toBuffer();
      const id = await start({ filename: 'small.jpg' });
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(source.subarray(0, 100));
          controller.enqueue(source.subarray(100));
          controller.close();
        },
      });
      const part = await call('PUT', `/uploads/${id}/parts/1`, chunked);
      expect(part.body).toEqual({ partNumber: 1, etag: md5(source), size: source.length });
      const completed = await call('POST', `/uploads/${id}/complete`, { parts: [{ partNumber: 1, etag: `"${md5(source)}"` }] });
      expect(completed.status, JSON.stringify(completed.body)).toBe(201);
      expect(completed.body).toMatchObject({ format: 'jpeg', width: 300, sha256: sha256(source) });

      // The same bytes through a second upload are the same image, deduplicated.
      const second = await start();
      await call('PUT', `/uploads/${second}/parts/1`, source);
      const deduplicated = await call('POST', `/uploads/${second}/complete`);
      expect(deduplicated.status).toBe(200);
      expect(deduplicated.body).toMatchObject({ id: completed.body['id'], deduplicated: true });
    });

    it('abort: 204, parts after it are 409, and the parts are freed', async () => {
      const id = await start();
      expect((await call('PUT', `/uploads/${id}/parts/1`, randomBytes(1000))).status).toBe(200);
      expect((await call('DELETE', `/uploads/${id}`)).status).toBe(204);
      const late = await call('PUT', `/uploads/${id}/parts/2`, randomBytes(1000));
      expect(late.status).toBe(409);
      expect(late.body['code']).toBe('conflict');
      expect((await call('DELETE', `/uploads/${id}`)).status).toBe(204);
      expect((await call('POST', `/uploads/${id}/complete`)).status).toBe(409);
      expect((await call('GET', `/uploads/${id}`)).body).toMatchObject({ state: 'aborted', parts: [] });
      expect(await storedKeys(`uploads/${id}/`)).toEqual([]);
    });

    it('missing, mismatched and too-small parts are 400 naming them, and the upload stays open', async () => {
      const id = await start();
      const first = (await bigPng(3)).subarray(0, 5 * MiB);
      await call('PUT', `/uploads/${id}/parts/1`, first);
      await call('PUT', `/uploads/${id}/parts/3`, randomBytes(100));
      const gap = await call('POST', `/uploads/${id}/complete`);
      expect(gap.status).toBe(400);
      expect(gap.body['code']).toBe('invalid_request');
      expect(gap.body['detail']).toMatch(/missing: 2\b/);
      const listed = await call('POST', `/uploads/${id}/complete`, {
        parts: [
          { partNumber: 1, etag: md5(first) },
          { partNumber: 4, etag: md5(first) },
        ],
      });
      expect(listed.status).toBe(400);
      expect(listed.body['detail']).toMatch(/not received: 4\b/);
      const mismatch = await call('POST', `/uploads/${id}/complete`, { parts: [{ partNumber: 1, etag: md5(Buffer.from('x')) }] });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body['detail']).toMatch(/etag does not match the received part: 1\b/);
      await call('PUT', `/uploads/${id}/parts/2`, randomBytes(100));
      const small = await call('POST', `/uploads/${id}/complete`);
      expect(small.status).toBe(400);
      expect(small.body['detail']).toMatch(/not the last: 2\b/);
      expect((await call('GET', `/uploads/${id}`)).body['state']).toBe('open');
      expect((await call('DELETE', `/uploads/${id}`)).status).toBe(204);
    });

    it('content that is not an image is 415 on its part 1 (issue 20), fails the upload and leaves nothing in storage or the catalog', async () => {
      const before = await call('GET', '/images');
      const id = await start({ filename: 'notes.bin' });
      expect((await call('PUT', `/uploads/${id}/parts/2`, randomBytes(1234))).status).toBe(200);
      const first = await call('PUT', `/uploads/${id}/parts/1`, randomBytes(5 * MiB));
      expect(first.status).toBe(415);
      expect(first.body['code']).toBe('unsupported_media_type');
      expect(await storedKeys(`uploads/${id}/`)).toEqual([]);
      // Failed at once: no more parts, and completion gives the same answer.
      expect((await call('PUT', `/uploads/${id}/parts/3`, randomBytes(1234))).status).toBe(409);
      const rejected = await call('POST', `/uploads/${id}/complete`);
      expect(rejected.status).toBe(415);
      expect(rejected.body['code']).toBe('unsupported_media_type');
      expect((await call('POST', `/uploads/${id}/complete`)).status).toBe(415); // the same answer again
      expect((await call('GET', `/uploads/${id}`)).body).toMatchObject({ state: 'aborted', error: { code: 'unsupported_media_type' } });
      expect(await storedKeys(`uploads/${id}/`)).toEqual([]);
      expect((await call('GET', '/images')).body['items']).toEqual(before.body['items']);
    });

    it('part 1 of an image over MAX_INPUT_PIXELS is 422 on its PUT, from the header alone, and fails the upload', async () => {
      for (const [name, head] of [
        ['png', pngHead(12_000, 10_000, 5 * MiB)],
        ['webp', webpHead(16_383, 16_383, 5 * MiB)],
      ] as const) {
        const id = await start({ filename: `huge.${name}`, size: 1024 * MiB });
        const refused = await call('PUT', `/uploads/${id}/parts/1`, head);
        expect(refused.status, name).toBe(422);
        expect(refused.body['code'], name).toBe('image_too_large');
        expect(String(refused.body['detail']), name).toContain('over the limit of 100000000');
        expect((await call('GET', `/uploads/${id}`)).body, name).toMatchObject({
          state: 'aborted',
          error: { code: 'image_too_large' },
          parts: [],
        });
        expect(await storedKeys(`uploads/${id}/`), name).toEqual([]);
        expect((await call('POST', `/uploads/${id}/complete`)).status, name).toBe(422);
      }
      // Within the limit, the same kind of head is taken (completion judges the whole file).
      const fine = await start({ size: 1024 * MiB });
      expect((await call('PUT', `/uploads/${fine}/parts/1`, pngHead(4000, 3000, 5 * MiB))).status).toBe(200);
      expect((await call('DELETE', `/uploads/${fine}`)).status).toBe(204);
    });

    it('a part that would take the upload past its declared size is 413 on that PUT, saying so; the upload stays open', async () => {
      const source = await bigPng(5);
      const id = await start({ size: 6 * MiB, partSize: 5 * MiB });
      expect((await call('PUT', `/uploads/${id}/parts/1`, source.subarray(0, 5 * MiB))).status).toBe(200);
      // Refused from its Content-Length before the body is read: through node:http, as below.
      const refused = await send(origin.url, {
        method: 'PUT',
        path: `/v1/uploads/${id}/parts/2`,
        headers: { authorization: `Bearer ${keyA}` },
        body: source.subarray(5 * MiB, 7 * MiB),
      });
      expect(refused.status).toBe(413);
      const over = { body: JSON.parse(refused.body.toString('utf8')) as Json };
      expect(over.body['code']).toBe('payload_too_large');
      expect(over.body['detail']).toBe(
        `part 2 of ${2 * MiB} bytes would take the upload to ${7 * MiB} bytes, past its declared size of ${6 * MiB} (the other parts hold ${5 * MiB})`,
      );
      // The same without Content-Length: spooled, then refused with the same message.
      const chunk = source.subarray(5 * MiB, 7 * MiB);
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(chunk);
          controller.close();
        },
      });
      const overChunked = await call('PUT', `/uploads/${id}/parts/2`, chunked);
      expect(overChunked.status).toBe(413);
      expect(String(overChunked.body['detail'])).toContain(`past its declared size of ${6 * MiB}`);
      // A part 1 sent again counts without its earlier self; the right part 2 is taken.
      expect((await call('PUT', `/uploads/${id}/parts/1`, source.subarray(0, 5 * MiB))).status).toBe(200);
      expect((await call('PUT', `/uploads/${id}/parts/2`, source.subarray(5 * MiB, 6 * MiB))).status).toBe(200);
      expect((await call('GET', `/uploads/${id}`)).body).toMatchObject({ state: 'open', receivedBytes: 6 * MiB });
      expect((await call('DELETE', `/uploads/${id}`)).status).toBe(204);
    });

    it("another tenant's upload is 404, a bad part number 400, a part over partSize 413", async () => {
      const id = await start({ partSize: 5 * MiB });
      expect((await call('GET', `/uploads/${id}`, undefined, keyB)).status).toBe(404);
      expect((await call('PUT', `/uploads/${id}/parts/1`, Buffer.from('x'), keyB)).status).toBe(404);
      expect((await call('POST', `/uploads/${id}/complete`, undefined, keyB)).status).toBe(404);
      expect((await call('DELETE', `/uploads/${id}`, undefined, keyB)).status).toBe(404);
      expect((await call('PUT', `/uploads/${id}/parts/0`, Buffer.from('x'))).status).toBe(400);
      expect((await call('PUT', `/uploads/${id}/parts/10001`, Buffer.from('x'))).status).toBe(400);
      // Bodies refused before they are read go through node:http, which takes a response that
      // arrives while it is still sending (fetch may report the closing socket instead).
      const refuse = (method: string, path: string, body: Uint8Array | string) =>
        send(origin.url, { method, path: `/v1${path}`, headers: { authorization: `Bearer ${keyA}` }, body });
      expect((await refuse('PUT', `/uploads/${id}/parts/1`, randomBytes(5 * MiB + 1))).status).toBe(413);
      const unknownPreset = await call('POST', '/uploads', { eager: 'no-such-preset' });
      expect(unknownPreset.status).toBe(400);
      expect(unknownPreset.body['code']).toBe('invalid_transform');
      expect((await call('POST', '/uploads', { size: 'big' })).status).toBe(400);
      expect((await call('POST', '/uploads', { size: 6 * 1024 * MiB })).status).toBe(413);
      expect((await call('POST', `/uploads/${id}/complete`, { parts: 'all' })).status).toBe(400);
      expect((await refuse('POST', '/uploads', JSON.stringify({ filename: 'x'.repeat(3 * MiB) }))).status).toBe(413);
      expect((await call('POST', '/uploads', Buffer.from('{not json'))).status).toBe(400);
    });

    it('the sweeper aborts uploads past their expiry and frees their parts', async () => {
      const id = await start();
      const fresh = await start();
      await call('PUT', `/uploads/${id}/parts/1`, randomBytes(2000));
      const later = Date.now() + 25 * 3600 * 1000;
      // Both are past expiry a day later; the fresh one is completed first and is left alone.
      await call(
        'PUT',
        `/uploads/${fresh}/parts/1`,
        await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
          .png()
          .toBuffer(),
      );
      expect((await call('POST', `/uploads/${fresh}/complete`)).status).toBe(201);
      expect(await sweepExpiredUploads(origin.services, { now: () => later })).toBeGreaterThanOrEqual(1);
      expect((await call('GET', `/uploads/${id}`)).body).toMatchObject({ state: 'aborted', parts: [] });
      expect((await call('GET', `/uploads/${fresh}`)).body['state']).toBe('completed');
      expect((await call('PUT', `/uploads/${id}/parts/2`, randomBytes(10))).status).toBe(409);
      expect(await storedKeys(`uploads/${id}/`)).toEqual([]);
    });

    it('one expired upload whose parts cannot be freed does not stop the sweep of the others', async () => {
      const stuck = await start();
      const next = await start();
      await call('PUT', `/uploads/${next}/parts/1`, randomBytes(2000));
      const { storage } = origin.services;
      const failing = new Proxy(storage, {
        get(target, property) {
          if (property === 'deletePrefix') {
            return (prefix: string) =>
              prefix === `uploads/${stuck}/` ? Promise.reject(new Error('storage down')) : target.deletePrefix(prefix);
          }
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? (value.bind(target) as unknown) : value;
        },
      });
      const later = Date.now() + 25 * 3600 * 1000;
      expect(await sweepExpiredUploads({ ...origin.services, storage: failing }, { now: () => later })).toBeGreaterThanOrEqual(2);
      expect((await call('GET', `/uploads/${stuck}`)).body['state']).toBe('aborted');
      expect((await call('GET', `/uploads/${next}`)).body).toMatchObject({ state: 'aborted', parts: [] });
      expect(await storedKeys(`uploads/${next}/`)).toEqual([]);
    });
  });
}

describeUploads('file backend', async () => ({}));

let s3: S3rverHandle | undefined;
const savedEnv = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
afterAll(async () => {
  await s3?.stop();
  process.env['AWS_ACCESS_KEY_ID'] = savedEnv.id;
  process.env['AWS_SECRET_ACCESS_KEY'] = savedEnv.secret;
});

describeUploads('S3 backend (s3rver)', async () => {
  s3 = await startS3rver();
  await s3.createBucket('uploads-test');
  // The in-process origin reads S3 credentials through the SDK's standard chain.
  process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
  return { STORAGE_URL: 's3://uploads-test/some/prefix', S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' };
});

// Upload state on PostgreSQL (the scale-out catalog), in a schema of its own that is dropped after.
const pgSchema = testSchema('pf_uploads', 'the PostgreSQL upload tests');
const hasPostgres = await pgSchema.create();
if (hasPostgres) {
  afterAll(async () => {
    await pgSchema.drop();
  });
  describeUploads('file backend, PostgreSQL catalog', async () => ({ DATABASE_URL: pgSchema.url() }));
}
