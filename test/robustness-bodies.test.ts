import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHealthy,
  expectNoLoggedErrors,
  expectNoTempFilesSoon,
  expectWellFormed,
  leftoverTempFiles,
  rawExchange,
  requestHead,
  runs,
  send,
  snapshot,
  startWatchedOrigin,
  type PlainResponse,
  type StoreSnapshot,
  type WatchedOrigin,
} from './helpers/robustness.ts';

/**
 * Property tests of `POST /v1/images`: whatever body, Content-Type or multipart shape a client
 * sends, the answer is never a 5xx; a rejected upload leaves no row, no original and no temp file,
 * and an accepted one leaves exactly one of each (but the temp file).
 */

const MAX_UPLOAD_BYTES = 300_000;

async function fixtures(): Promise<Buffer[]> {
  const noise = () =>
    sharp({ create: { width: 48, height: 40, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
  const alpha = () => sharp({ create: { width: 30, height: 30, channels: 4, background: '#ff000080' } });
  const frame = await noise().gif().toBuffer();
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#123456"/></svg>',
  );
  return Promise.all([
    noise().jpeg().toBuffer(),
    noise().jpeg({ progressive: true }).toBuffer(),
    alpha().png().toBuffer(),
    noise().png({ palette: true }).toBuffer(),
    noise().webp().toBuffer(),
    alpha().webp({ lossless: true }).toBuffer(),
    noise().avif({ effort: 0 }).toBuffer(),
    noise().tiff().toBuffer(),
    noise().gif().toBuffer(),
    sharp([frame, await sharp(frame).negate().gif().toBuffer()], { join: { animated: true } })
      .webp()
      .toBuffer(),
    Promise.resolve(svg),
  ]);
}

function hostileBody(images: Buffer[]): fc.Arbitrary<Uint8Array> {
  const image = fc.constantFrom(...images);
  return fc.oneof(
    fc.uint8Array({ maxLength: 4096 }),
    fc.constant(new Uint8Array(0)),
    fc.tuple(image, fc.double({ min: 0, max: 1, noNaN: true })).map(([bytes, cut]) => bytes.subarray(0, Math.floor(bytes.length * cut))),
    fc.tuple(image, fc.uint8Array({ minLength: 1, maxLength: 2048 })).map(([bytes, tail]) => Buffer.concat([bytes, tail])),
    // A valid signature and header, then damage in the middle.
    fc
      .tuple(
        image,
        fc.array(fc.tuple(fc.double({ min: 0.02, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 20,
        }),
      )
      .map(([bytes, flips]) => {
        const copy = Buffer.from(bytes);
        for (const [at, value] of flips) copy[Math.min(copy.length - 1, Math.floor(copy.length * at))] = value;
        return copy;
      }),
    // One format's magic number in front of another's bytes.
    fc.tuple(image, image).map(([a, b]) => Buffer.concat([a.subarray(0, 16), b.subarray(16)])),
  );
}

const contentType = fc.oneof(
  fc.constantFrom('image/png', 'image/jpeg', 'application/octet-stream', 'image/svg+xml', 'image/x-whatever', 'IMAGE/PNG; charset=utf-8'),
  fc.constantFrom(
    'text/plain',
    'application/json',
    '',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/mixed; boundary=x',
    '*/*',
    'image',
  ),
  fc.string({ unit: fc.constantFrom(...'abcimage/-+;= "\t,*0189'), maxLength: 60 }),
);

/** Checks the store against the answer: one new row and original per new image, nothing else. */
async function expectStoreMatches(origin: WatchedOrigin, before: StoreSnapshot, newIds: string[], what: string): Promise<void> {
  const after = await snapshot(origin);
  expect(after.rows, what).toBe(before.rows + newIds.length);
  const expected = [...before.originals, ...newIds.map((id) => `originals/${id}`)].sort();
  expect(after.originals, what).toEqual(expected);
  expect(await leftoverTempFiles(origin), what).toEqual([]);
}

function json(response: PlainResponse): Record<string, unknown> {
  return JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
}

describe('POST /v1/images with hostile raw bodies', () => {
  let origin: WatchedOrigin;
  let images: Buffer[] = [];
  beforeAll(async () => {
    origin = await startWatchedOrigin({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    images = await fixtures();
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectHealthy(origin);
  });

  it('stores an image or refuses with a 4xx that leaves no row, object or temp file', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(hostileBody(images), contentType, fc.option(fc.string({ maxLength: 30 })), async (body, type, eager) => {
        const before = await snapshot(origin);
        const query = eager === null ? '' : `?eager=${encodeURIComponent(eager)}`;
        const response = await send(origin.url, { method: 'POST', path: `/v1/images${query}`, headers: { 'content-type': type }, body });
        const what = `${body.length} bytes as ${JSON.stringify(type)}${query}`;
        expectWellFormed(response, what);
        seen.add(response.status);
        const created = response.status === 201 ? [String(json(response)['id'])] : [];
        if (response.status === 200) expect(json(response)['deduplicated']).toBe(true);
        await expectStoreMatches(origin, before, created, what);
        if (created[0]) expect((await send(origin.url, { path: `/img/${created[0]}` })).status).toBe(200);
      }),
      // A plain valid upload is always among the cases, so both outcomes below are reached.
      { numRuns: runs(150), examples: [[images[0] ?? Buffer.alloc(0), 'image/png', null]] },
    );
    // Both outcomes must be reached, or the generator tests nothing.
    expect(seen.has(201), [...seen].join()).toBe(true);
    expect([...seen].some((status) => status >= 400)).toBe(true);
  });

  it('refuses a declared Content-Length over the limit before reading, and a body that ends short of its Content-Length', async () => {
    const before = await snapshot(origin);
    const huge = await rawExchange(
      origin.url,
      [
        requestHead('POST', '/v1/images', { 'content-type': 'image/png', 'content-length': String(MAX_UPLOAD_BYTES + 1) }),
        randomBytes(100),
      ],
      { then: 'wait' },
    );
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('"code":"payload_too_large"');
    const over = await send(origin.url, {
      method: 'POST',
      path: '/v1/images',
      headers: { 'content-type': 'image/png' },
      body: randomBytes(MAX_UPLOAD_BYTES + 1),
    });
    expectWellFormed(over, 'body over the limit');
    expect(over.status).toBe(413);
    // The client promises 200000 bytes, sends 1000 and closes its side.
    const short = await rawExchange(
      origin.url,
      [requestHead('POST', '/v1/images', { 'content-type': 'image/png', 'content-length': '200000' }), images[2] ?? Buffer.alloc(0)],
      { then: 'half-close' },
    );
    if (short.status !== null) expect(short.status).toBe(400);
    await expectNoTempFilesSoon(origin);
    expect(await snapshot(origin)).toEqual(before);
  });
});

interface Part {
  name: string;
  filename?: string;
  body: Uint8Array;
}

function multipart(boundary: string, parts: readonly Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    chunks.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\ncontent-type: application/octet-stream\r\n\r\n`),
      Buffer.from(part.body),
      Buffer.from('\r\n'),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe('POST /v1/images with hostile multipart forms', () => {
  let origin: WatchedOrigin;
  let images: Buffer[] = [];
  beforeAll(async () => {
    origin = await startWatchedOrigin({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    images = await fixtures();
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectHealthy(origin);
  });

  /** Sends a form and checks the answer against the store; returns the answer. */
  async function sendForm(type: string, body: Uint8Array, what: string): Promise<PlainResponse> {
    const before = await snapshot(origin);
    const response = await send(origin.url, { method: 'POST', path: '/v1/images', headers: { 'content-type': type }, body });
    expectWellFormed(response, what);
    const created: string[] = [];
    if (response.status === 200) {
      const items = json(response)['items'] as {
        ok: boolean;
        deduplicated?: boolean;
        image?: { id: string };
        error?: { code: string; status: number };
      }[];
      for (const item of items) {
        if (item.ok && !item.deduplicated && item.image) created.push(item.image.id);
        // An item's refusal is the client's (4xx), never an unexpected 503 `unavailable`.
        if (!item.ok) expect(item.error?.status, `${what}: ${JSON.stringify(item.error)}`).toBeLessThan(500);
      }
    }
    await expectStoreMatches(origin, before, created, what);
    return response;
  }

  it('answers well-formed, truncated and mismatched forms without 5xx or leftovers', async () => {
    const token = fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/);
    const part = fc.record({
      name: fc.constantFrom('file', 'files', 'eager', 'x'),
      filename: fc.option(fc.constantFrom('a.png', '../../etc/passwd', '', 'ünï.jpg', 'x'.repeat(300)), { nil: undefined }),
      body: hostileBody(images),
    });
    const shape = fc.constantFrom('ok', 'unterminated', 'cut', 'other-boundary', 'no-boundary', 'no-leading-boundary');
    await fc.assert(
      fc.asyncProperty(
        token,
        fc.array(part, { maxLength: 4 }),
        shape,
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (boundary, parts, form, cut) => {
          let body = multipart(boundary, parts, form !== 'unterminated');
          if (form === 'cut') body = body.subarray(0, Math.floor(body.length * cut));
          if (form === 'no-leading-boundary') body = body.subarray(boundary.length + 2);
          const declared = form === 'other-boundary' ? `${boundary}x` : boundary;
          const type = form === 'no-boundary' ? 'multipart/form-data' : `multipart/form-data; boundary="${declared}"`;
          await sendForm(type, body, `${form} form of ${parts.length} parts (${parts.map((p) => `${p.name}:${p.body.length}`).join(' ')})`);
        },
      ),
      { numRuns: runs(100) },
    );
  });

  it('refuses forms that end inside or right after a file part (once a crash and a temp file leak)', async () => {
    const head = (name: string, filename?: string) =>
      `--b\r\ncontent-disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n\r\n`;
    const bodies = [
      `${head('file', 'a.png')}\r\n`, // an empty file part, then the body ends
      `${head('file', 'a.png')}\r\n${head('eager')}${'q'.repeat(1231)}\r\n`,
      `${head('file', 'a.png')}abc\r\n`,
      `${head('file', 'a.png')}abc`,
      `${head('file', 'a.png')}`,
      head('file', 'a.png').slice(0, 30),
    ];
    for (const body of bodies) {
      const response = await sendForm('multipart/form-data; boundary=b', Buffer.from(body), JSON.stringify(body.slice(0, 60)));
      expect(response.status).toBe(400);
    }
  });

  it('refuses a form of more than 1000 files with 413 and keeps nothing; 900 tiny parts are 900 item errors', async () => {
    const tooMany = Array.from({ length: 1200 }, (_, i) => ({ name: 'file', filename: `${i}.png`, body: Buffer.from([i & 0xff]) }));
    const refused = await sendForm('multipart/form-data; boundary=b0undary', multipart('b0undary', tooMany), '1200 files');
    expect(refused.status).toBe(413);
    const many = await sendForm('multipart/form-data; boundary=b0undary', multipart('b0undary', tooMany.slice(0, 900)), '900 files');
    expect(many.status).toBe(200);
    const items = json(many)['items'] as { ok: boolean }[];
    expect(items).toHaveLength(900);
    expect(items.every((item) => !item.ok)).toBe(true);
  });

  it('answers a form with only text fields, and fields past the limits', async () => {
    const fieldsOnly = await sendForm(
      'multipart/form-data; boundary=zz',
      multipart('zz', [
        { name: 'eager', body: Buffer.from('') },
        { name: 'x', body: Buffer.from('y') },
      ]),
      'fields only',
    );
    expect(fieldsOnly.status).toBeLessThan(500);
    const manyFields = Array.from({ length: 300 }, (_, i) => ({ name: `f${i}`, body: Buffer.from('v') }));
    await sendForm('multipart/form-data; boundary=zz', multipart('zz', manyFields), '300 fields');
    const bigField = await sendForm(
      'multipart/form-data; boundary=zz',
      multipart('zz', [
        { name: 'eager', body: Buffer.alloc(200_000, 0x61) },
        { name: 'file', filename: 'a.png', body: images[2] ?? Buffer.alloc(0) },
      ]),
      '200 kB field',
    );
    expect(bigField.status).toBeLessThan(500);
  });
});
