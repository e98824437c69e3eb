import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHealthy,
  expectNoLoggedErrors,
  expectWellFormed,
  freshPng,
  leftoverTempFiles,
  runs,
  send,
  snapshot,
  startWatchedOrigin,
  storedKeys,
  type PlainResponse,
  type WatchedOrigin,
} from './helpers/robustness.ts';

/**
 * Property tests of the JSON endpoints (`/v1/batches`, `/v1/uploads` and its parts and
 * completion) and of watermark uploads: any body, shape or content type is a 4xx problem or
 * a success, never a 5xx, and a refused request changes nothing.
 */

/** JSON values near the expected shapes (right keys, wrong types and sizes) and far from them. */
function jsonBody(keys: readonly string[], values: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const near = fc.dictionary(
    fc.constantFrom(...keys, 'extra', '__proto__', 'constructor'),
    fc.oneof(values, fc.jsonValue({ maxDepth: 2 })),
    { maxKeys: 4 },
  );
  return fc.oneof(
    { weight: 4, arbitrary: near.map((value) => JSON.stringify(value)) },
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '[',
      'null',
      '{"a":1}{"b":2}',
      '\u0000',
      '{"__proto__":{"polluted":true}}',
      `{"presets":[${'"x",'.repeat(50_000)}"x"]}`,
      '['.repeat(10_000),
    ),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
}

const nameList = fc.array(
  fc.oneof(fc.constantFrom('thumb', 'avatar', 'card', 'w_10', 'c_fill,w_10,h_10', 'f_webp', ''), fc.string({ maxLength: 20 })),
  { maxLength: 5 },
);
const batchValues = fc.oneof(
  nameList,
  fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{8,30}$/), { maxLength: 3 }),
  fc.integer(),
  fc.string(),
  fc.constant(null),
);
const uploadValues = fc.oneof(
  fc.integer({ min: -10, max: 2 ** 40 }),
  fc.double(),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('image/png', 'image/../x', 'thumb', 'thumb,nope', 5 * 1024 * 1024, 512 * 1024 * 1024 + 1, 6 * 1024 ** 3),
  nameList,
);
const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  '',
);

function expectJsonAnswer(response: PlainResponse, what: string): void {
  expectWellFormed(response, what, 'POST');
  if (response.status < 300) JSON.parse(response.body.toString('utf8'));
}

describe('JSON endpoints with hostile bodies', () => {
  let origin: WatchedOrigin;
  let imageId = '';
  beforeAll(async () => {
    origin = await startWatchedOrigin();
    const upload = await send(origin.url, {
      method: 'POST',
      path: '/v1/images',
      headers: { 'content-type': 'image/png' },
      body: await freshPng(40, 30),
    });
    imageId = (JSON.parse(upload.body.toString('utf8')) as { id: string }).id;
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectHealthy(origin);
  });

  it('POST /v1/batches: 202 for a valid batch (its progress readable), a 4xx problem for anything else', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(jsonBody(['presets', 'transforms', 'images'], batchValues), contentTypes, async (body, type) => {
        const response = await send(origin.url, { method: 'POST', path: '/v1/batches', headers: { 'content-type': type }, body });
        expectJsonAnswer(response, `batch ${body.slice(0, 200)} as ${type}`);
        statuses.add(response.status);
        if (response.status === 202) {
          const { id } = JSON.parse(response.body.toString('utf8')) as { id: string };
          expect((await send(origin.url, { path: `/v1/batches/${id}` })).status).toBe(200);
        }
      }),
      { numRuns: runs(120), examples: [[JSON.stringify({ presets: ['thumb'], images: [imageId] }), 'application/json']] },
    );
    expect(statuses.has(202)).toBe(true);
    expect(statuses.has(400)).toBe(true);
  });

  it('POST /v1/uploads: 201 or a 4xx problem; a refusal stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonBody(['filename', 'contentType', 'size', 'partSize', 'eager'], uploadValues),
        contentTypes,
        async (body, type) => {
          const before = await storedKeys(origin, 'uploads/');
          const response = await send(origin.url, { method: 'POST', path: '/v1/uploads', headers: { 'content-type': type }, body });
          expectJsonAnswer(response, `upload ${body.slice(0, 200)} as ${type}`);
          if (response.status !== 201) expect(await storedKeys(origin, 'uploads/')).toEqual(before);
        },
      ),
      { numRuns: runs(120) },
    );
  });

  it('PUT parts and POST complete with hostile numbers, bodies and part lists never 5xx and never create a bad image', async () => {
    const partList = fc.oneof(
      fc.array(
        fc.record({
          partNumber: fc.oneof(fc.integer({ min: -2, max: 10_002 }), fc.constant(1)),
          etag: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string({ maxLength: 10 })),
        }),
        { maxLength: 4 },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 0, max: 10_001 }).map(String), fc.constantFrom('1', '01', '1e0', '-1', '99999999999', 'x', '')),
            fc.uint8Array({ maxLength: 300 }),
          ),
          { maxLength: 3 },
        ),
        fc.oneof(
          partList.map((parts) => JSON.stringify({ parts })),
          jsonBody(['parts'], partList),
        ),
        async (parts, completion) => {
          const created = await send(origin.url, {
            method: 'POST',
            path: '/v1/uploads',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          const { uploadId } = JSON.parse(created.body.toString('utf8')) as { uploadId: string };
          for (const [n, bytes] of parts) {
            const put = await send(origin.url, { method: 'PUT', path: `/v1/uploads/${uploadId}/parts/${n}`, body: bytes });
            expectWellFormed(put, `part ${n} of ${bytes.length} bytes`, 'PUT');
          }
          const before = await snapshot(origin);
          const done = await send(origin.url, {
            method: 'POST',
            path: `/v1/uploads/${uploadId}/complete`,
            headers: { 'content-type': 'application/json' },
            body: completion,
          });
          expectJsonAnswer(done, `complete ${completion.slice(0, 200)} after parts ${parts.map(([n, b]) => `${n}:${b.length}`).join(' ')}`);
          // Random bytes are never an image: completion refuses them and keeps nothing.
          expect(done.status).toBeGreaterThanOrEqual(400);
          expect(await snapshot(origin)).toEqual(before);
          expect(await leftoverTempFiles(origin)).toEqual([]);
          const state = await send(origin.url, { path: `/v1/uploads/${uploadId}` });
          expectWellFormed(state, 'upload state');
          const aborted = await send(origin.url, { method: 'DELETE', path: `/v1/uploads/${uploadId}` });
          expectWellFormed(aborted, 'abort', 'DELETE');
        },
      ),
      { numRuns: runs(50) },
    );
  });

  it('PUT /v1/watermarks/:name with hostile names and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/), fc.string({ maxLength: 20 }).map(encodeURIComponent)),
        fc.oneof(fc.uint8Array({ maxLength: 500 }), fc.constant(new Uint8Array(0))),
        async (name, body) => {
          const response = await send(origin.url, {
            method: 'PUT',
            path: `/v1/watermarks/${name}`,
            headers: { 'content-type': 'image/png' },
            body,
          });
          expectWellFormed(response, `watermark ${name}`, 'PUT');
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(await leftoverTempFiles(origin)).toEqual([]);
        },
      ),
      { numRuns: runs(60) },
    );
  });
});
