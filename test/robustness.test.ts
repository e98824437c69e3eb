import { METHODS } from 'node:http';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHealthy,
  rawExchange,
  requestHead,
  runs,
  expectNoLoggedErrors,
  expectWellFormed,
  send,
  startWatchedOrigin,
  type WatchedOrigin,
} from './helpers/robustness.ts';

/**
 * Property tests of the origin's HTTP surface: whatever path, ops string, method or header a
 * client sends, the answer is a 4xx problem (or 503 overloaded), never a 500 or a crash.
 * Uploads and bodies are in robustness-bodies.test.ts, aborted connections in
 * robustness-aborts.test.ts.
 */

/** Percent-encodes what node:http cannot send raw (above latin1, controls), keeps the rest verbatim. */
function pathSafe(text: string): string {
  return Array.from(text, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f && char !== '?' && char !== '#') return char;
    return Array.from(Buffer.from(char, 'utf8'), (byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }).join('');
}

const OP_KEYS = ['t', 'c', 'w', 'h', 'ar', 'dpr', 'g', 'fp', 'x', 'y', 'a', 'e', 'b', 'wm', 'q', 'f'];
const meaningful = [
  'fit',
  'fill',
  'pad',
  'scale',
  'crop',
  'center',
  'north_east',
  'auto',
  'entropy',
  'jpeg',
  'jpg',
  'png',
  'webp',
  'avif',
  'jxl',
  'gif',
  'tiff',
  'blur:5',
  'blur:0.3',
  'blur:100',
  'blur:1e2',
  'sharpen',
  'sharpen:10',
  'grayscale',
  'logo',
  'logo:north:50:20',
  'logo:south_east:1:100',
  'nope:center',
  '16:9',
  '0:0',
  '0.01:10000',
  '1e3:1',
  '-1:1',
  '0.5:0.5',
  '1:1',
  '1.00001:0',
  'ff0000',
  'ff000080',
  'FFFFFFFF',
  'fff',
  'thumb',
  'avatar',
  '-0',
  '+5',
  '1e3',
  '1E3',
  '0x10',
  '5.0',
  '5.',
  '.5',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '00000001',
  '90',
  '180',
  '270',
  '360',
  '9'.repeat(400),
  '4294967297',
  '9007199254740993',
  '8192',
  '8193',
  '16383',
  '0',
];

const opValue = fc.oneof(
  fc.constantFrom(...meaningful),
  fc.integer({ min: -20, max: 20_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.string({ maxLength: 12 }),
);
const opItem = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...OP_KEYS), opValue).map(([key, value]) => `${key}_${value}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const structuredOps = fc.array(opItem, { minLength: 1, maxLength: 6 }).map((items) => items.join(','));

const GRAVITY = ['center', 'north', 'south', 'east', 'west', 'north_east', 'north_west', 'south_east', 'south_west'];
/** Values in (or just past) each op's range, so many combinations reach the renderer. */
const plausibleValue: Record<string, fc.Arbitrary<string>> = {
  c: fc.constantFrom('fit', 'fill', 'pad', 'scale', 'crop'),
  w: fc.integer({ min: 1, max: 9000 }).map(String),
  h: fc.integer({ min: 1, max: 9000 }).map(String),
  ar: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3000 })).map(([a, b]) => `${a / 100}:${b / 100}`),
  dpr: fc.integer({ min: 10, max: 40 }).map((n) => String(n / 10)),
  g: fc.constantFrom(...GRAVITY, 'auto', 'entropy'),
  fp: fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 })).map(([a, b]) => `${a / 10_000}:${b / 10_000}`),
  x: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 100_000_000 })).map(String),
  y: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 100_000_000 })).map(String),
  a: fc.constantFrom('90', '180', '270'),
  e: fc.constantFrom('grayscale', 'sharpen', 'sharpen:10', 'blur:0.3', 'blur:100', 'blur:2.5'),
  b: fc.constantFrom('ff0000', '00000000', '12345678', 'ffffffff'),
  wm: fc
    .tuple(fc.constantFrom(...GRAVITY), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }))
    .map(([g, o, sc]) => `logo:${g}:${o}:${sc}`),
  q: fc.oneof(fc.constant('auto'), fc.integer({ min: 1, max: 100 }).map(String)),
  f: fc.constantFrom('auto', 'jpeg', 'jpg', 'png', 'webp', 'avif', 'jxl', 'gif'),
};
const plausibleOps = fc
  .uniqueArray(fc.constantFrom(...Object.keys(plausibleValue)), { minLength: 1, maxLength: 4 })
  .chain((keys) => fc.tuple(...keys.map((key) => (plausibleValue[key] ?? fc.constant('')).map((value) => `${key}_${value}`))))
  .map((items) => items.join(','));

const hostileOps = fc.oneof(
  { weight: 3, arbitrary: plausibleOps },
  structuredOps,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(
    '..',
    '.',
    '%00',
    'w_10%00',
    '%2e%2e',
    '%2F',
    'w_10%2Fh_10',
    '%',
    '%zz',
    '%C0%AF',
    '%FF%FE',
    '%E2%80%AE',
    ',,,',
    ','.repeat(5000),
    'w_1'.repeat(3000),
    'e_blur:5,'.repeat(200),
  ),
  fc
    .array(fc.constantFrom('%00', '%25', '%2C', '%5F', '..', ',', '_', 'w', '%u0041', '%%'), { minLength: 1, maxLength: 30 })
    .map((parts) => parts.join('')),
);

describe('GET /img with hostile ids, ops and names', () => {
  let origin: WatchedOrigin;
  let id = '';
  let animatedId = '';
  beforeAll(async () => {
    origin = await startWatchedOrigin();
    const png = await sharp({ create: { width: 60, height: 40, channels: 4, background: '#3366cc80' } })
      .png()
      .toBuffer();
    const upload = await send(origin.url, { method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png' }, body: png });
    id = (JSON.parse(upload.body.toString('utf8')) as { id: string }).id;
    const gif = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#00ff00' } })
      .gif()
      .toBuffer();
    const frames = await sharp([gif, await sharp(gif).negate().gif().toBuffer()], { join: { animated: true } })
      .gif()
      .toBuffer();
    const animated = await send(origin.url, { method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/gif' }, body: frames });
    animatedId = (JSON.parse(animated.body.toString('utf8')) as { id: string }).id;
    const logo = await sharp({ create: { width: 16, height: 16, channels: 4, background: '#ffffff99' } })
      .png()
      .toBuffer();
    await send(origin.url, { method: 'PUT', path: '/v1/watermarks/logo', headers: { 'content-type': 'image/png' }, body: logo });
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectHealthy(origin);
  });

  it('answers every ops string at a valid id with a 4xx problem or an image', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileOps, fc.boolean(), fc.option(fc.string({ maxLength: 20 })), async (ops, animated, name) => {
        const path = `/img/${animated ? animatedId : id}/${pathSafe(ops)}${name === null ? '' : `/${pathSafe(name)}`}`;
        const response = await send(origin.url, { path });
        expectWellFormed(response, path);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) expect(response.headers['content-type']).toMatch(/^image\//);
      }),
      { numRuns: runs(400) },
    );
    // The generator must reach the renderer, not only the parser.
    expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
  });

  it('answers random ids, extra segments and query strings with a 4xx problem', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
      fc.constantFrom('..', '.', '', '%00', '%2F', 'a'.repeat(5000)),
    );
    const query = fc.oneof(
      fc.constant(''),
      fc
        .tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }))
        .map(([sig, exp]) => `?sig=${pathSafe(sig)}&exp=${pathSafe(exp)}`),
      fc.string({ maxLength: 40 }).map((text) => `?${pathSafe(text)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 0, maxLength: 5 }), query, async (segments, search) => {
        const path = `/img/${segments.map(pathSafe).join('/')}${search}`;
        const response = await send(origin.url, { path });
        expectWellFormed(response, path);
      }),
      { numRuns: runs(150) },
    );
  });

  it('answers garbage If-None-Match, Accept and Range headers', async () => {
    const headerValue = fc.oneof(
      fc.string({
        unit: fc.constantFrom(
          ...'\t !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u00e9\u00ff',
        ),
        maxLength: 200,
      }),
      fc.constantFrom(
        '*',
        'W/"x"',
        '""',
        '"',
        'W/',
        'bytes=0-',
        'bytes=-1',
        'bytes=99999999999999999999-',
        'bytes=5-1',
        'bytes=0-0,1-1,2-2',
        'image/*;q=NaN',
        'image/avif;q=2',
        'image/jxl;q=0.0001,image/avif',
        'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
        '*/*;q=-1',
        ',,,,',
        'x'.repeat(8000),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        headerValue,
        headerValue,
        headerValue,
        fc.constantFrom('', '/w_20', '/w_20,f_auto', '/t_thumb'),
        async (inm, accept, range, ops) => {
          const path = `/img/${id}${ops}`;
          const response = await send(origin.url, { path, headers: { 'if-none-match': inm, accept, range } });
          expectWellFormed(response, `${path} if-none-match=${inm} accept=${accept} range=${range}`);
          expect([200, 304]).toContain(response.status);
        },
      ),
      { numRuns: runs(120) },
    );
  });
});

/** Paths of every route, with ids that do not exist (a random DELETE must not remove real data). */
const ROUTES = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/img/AAAAAAAAAAAA',
  '/img/AAAAAAAAAAAA/w_10',
  '/img/AAAAAAAAAAAA/w_10/a.jpg',
  '/v1/images',
  '/v1/images/AAAAAAAAAAAA',
  '/v1/watermarks/nosuch',
  '/v1/presets',
  '/v1/batches',
  '/v1/batches/AAAAAAAAAAAA',
  '/v1/batches/AAAAAAAAAAAA/archive',
  '/v1/uploads',
  '/v1/uploads/AAAAAAAAAAAA',
  '/v1/uploads/AAAAAAAAAAAA/parts/1',
  '/v1/uploads/AAAAAAAAAAAA/complete',
  '/',
  '/v1',
  '/v2/images',
];
// CONNECT is not a request to a route: Node hands the socket to a 'connect' listener (none here).
const HTTP_METHODS = METHODS.filter((method) => method !== 'CONNECT');

describe('every method on every route, with and without API keys', () => {
  let origin: WatchedOrigin;
  const key = { authorization: 'Bearer robust-secret-key' };
  beforeAll(async () => {
    origin = await startWatchedOrigin({ API_KEYS: 'robust:robust-secret-key' });
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectHealthy(origin, key);
  });

  it('answers any method with 2xx/3xx or a 4xx problem (404/405, never 500)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...HTTP_METHODS),
        fc.constantFrom(...ROUTES),
        fc.boolean(),
        fc.option(fc.uint8Array({ maxLength: 64 })),
        async (method, path, authorised, body) => {
          const response = await send(origin.url, { method, path, headers: authorised ? key : {}, ...(body === null ? {} : { body }) });
          expectWellFormed(response, `${method} ${path}`, method);
        },
      ),
      { numRuns: runs(200) },
    );
  });

  it('answers bytes that are not HTTP with a 400 problem (Node parser and adapter refusals)', async () => {
    const malformed = [
      Buffer.from('GET /img/\\ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
      Buffer.from('GET /img/a/../b HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
      Buffer.from('GET /healthz HTTP/1.1\r\nhost: exa mple\r\nconnection: close\r\n\r\n'),
      Buffer.from('GET / HTTP/1.1\r\nno colon here\r\n\r\n'),
      Buffer.from('POST /v1/images HTTP/1.1\r\ncontent-length: abc\r\n\r\n'),
      Buffer.from('POST /v1/images HTTP/1.1\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'),
      Buffer.from('POST /v1/images HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'),
      Buffer.concat([requestHead('GET', '/healthz', { 'x-big': 'a'.repeat(20_000) })]),
      Buffer.from('\u0000\u0001\u0002 garbage\r\n\r\n'),
    ];
    for (const bytes of malformed) {
      const { status, text } = await rawExchange(origin.url, [bytes], { then: 'wait' });
      const what = JSON.stringify(bytes.toString('latin1').slice(0, 80));
      expect(status, what).toBe(400);
      expect(text.toLowerCase(), what).toContain('content-type: application/problem+json');
      expect(text, what).toContain('"code":"invalid_request"');
    }
  });

  it('answers garbage Authorization headers with 401 on /v1 and ignores them on /img', async () => {
    const garbage = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'\t abcXYZ019:+/=_-.~Bearer'), maxLength: 120 }),
      fc.string({ maxLength: 100 }).map((text) => `Bearer ${text.replace(/[^\x20-\x7e]/g, '')}`),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'bearer robust-secret-keyX',
        'Basic cm9idXN0OnNlY3JldA==',
        'Bearer robust-secret-key robust-secret-key',
        `Bearer ${'k'.repeat(10_000)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        garbage,
        fc.constantFrom('/v1/images', '/v1/presets', '/v1/batches', '/v1/uploads', '/v1/images/AAAAAAAAAAAA'),
        async (authorization, path) => {
          const response = await send(origin.url, { path, headers: { authorization } });
          expectWellFormed(response, `${path} authorization=${authorization.slice(0, 60)}`);
          expect(response.status).toBe(401);
        },
      ),
      { numRuns: runs(120) },
    );
  });
});
