import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variantPrefix } from '../origin/storage/layout.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

const chromium = 'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const avifFirst = 'image/avif,image/webp,*/*';
const YEAR = 'public, max-age=31536000, immutable';
const MINUTE = 'public, max-age=60';

const photo = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 50 } } })
    .jpeg({ quality: 85 })
    .toBuffer();

async function upload(origin: TestOrigin, bytes: Buffer): Promise<string> {
  const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function ask(origin: TestOrigin, path: string, accept: string) {
  const response = await fetch(`${origin.url}${path}`, { headers: { accept } });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cache: response.headers.get('cache-control'),
    vary: response.headers.get('vary'),
    etag: response.headers.get('etag'),
    // libvips here reads no JPEG XL (test/helpers/jxl.ts decodes it where a test needs the pixels).
    decoded:
      response.status === 200 && body.length > 0 && !response.headers.get('content-type')?.includes('jxl')
        ? await sharp(body).metadata()
        : undefined,
  };
}

/** Sum of a counter's lines with this label, from /metrics. */
async function counter(origin: TestOrigin, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${origin.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const renders = (origin: TestOrigin, format: string) => counter(origin, 'pixelfront_renders_total', `format="${format}"`);
const fastFirst = (origin: TestOrigin, outcome: string) => counter(origin, 'pixelfront_fast_first_total', `outcome="${outcome}"`);

/** The formats of the image's variants in storage, by their keys' extensions. */
async function storedFormats(origin: TestOrigin, id: string): Promise<string[]> {
  const formats: string[] = [];
  for await (const object of origin.services.storage.list(variantPrefix(id))) formats.push(object.key.split('.').pop() ?? '');
  return formats.sort();
}

describe('f_auto fast-first (FAST_FIRST_MS, default 300)', () => {
  let origin: TestOrigin;
  let id: string;
  beforeAll(async () => {
    origin = await startTestOrigin();
    id = await upload(origin, await photo(1600, 1200));
  });
  afterAll(() => origin.destroy());

  it('answers a cold AVIF estimated past the limit with WebP for a minute, then serves the AVIF for a year', async () => {
    // 1200 × 900: AVIF estimated at about 850 ms of encoding, WebP at 55.
    const path = `/img/${id}/w_1200,f_auto`;
    const first = await ask(origin, path, avifFirst);
    expect([first.status, first.type, first.cache, first.vary]).toEqual([200, 'image/webp', MINUTE, 'Accept']);
    expect([first.decoded?.format, first.decoded?.width]).toEqual(['webp', 1200]);
    // The fast answer is the WebP variant itself: the same ETag a WebP-only client gets.
    const webpOnly = await ask(origin, path, 'image/webp,*/*');
    expect([webpOnly.etag, webpOnly.cache]).toEqual([first.etag, YEAR]);

    await origin.services.variants.settled();
    expect(await storedFormats(origin, id)).toEqual(['avif', 'webp']);
    const next = await ask(origin, path, avifFirst);
    expect([next.status, next.type, next.cache, next.vary]).toEqual([200, 'image/avif', YEAR, 'Accept']);
    expect([next.decoded?.format, next.decoded?.width]).toEqual(['heif', 1200]);
    expect(next.etag).not.toBe(first.etag);
  });

  it("does the same for Chromium's JPEG XL", async () => {
    const path = `/img/${id}/w_1190,f_auto`;
    const first = await ask(origin, path, chromium);
    expect([first.type, first.cache]).toEqual(['image/webp', MINUTE]);
    await origin.services.variants.settled();
    const next = await ask(origin, path, chromium);
    expect([next.type, next.cache]).toEqual(['image/jxl', YEAR]);
  });

  it('waits for a small AVIF, whose encode is estimated within the limit', async () => {
    const small = await ask(origin, `/img/${id}/w_120,f_auto`, avifFirst);
    expect([small.type, small.cache]).toEqual(['image/avif', YEAR]);
  });

  it('renders the better format once for many concurrent cold requests, and they all get the fast answer', async () => {
    const path = `/img/${id}/w_1180,f_auto`;
    const before = await renders(origin, 'avif');
    const [answeredBefore, upgradedBefore] = [await fastFirst(origin, 'answered'), await fastFirst(origin, 'upgraded')];
    const answers = await Promise.all(Array.from({ length: 12 }, () => ask(origin, path, avifFirst)));
    expect(new Set(answers.map((answer) => `${answer.status} ${answer.type} ${answer.cache}`))).toEqual(
      new Set([`200 image/webp ${MINUTE}`]),
    );
    await origin.services.variants.settled();
    expect(await renders(origin, 'avif')).toBe(before + 1);
    expect([await fastFirst(origin, 'answered'), await fastFirst(origin, 'upgraded')]).toEqual([answeredBefore + 12, upgradedBefore + 1]);
    expect((await ask(origin, path, avifFirst)).type).toBe('image/avif');
    expect(await renders(origin, 'avif')).toBe(before + 1);
  });

  it('revalidates the fast answer with a 304 while the upgrade runs, and with the better format after', async () => {
    const path = `/img/${id}/w_1170,f_auto`;
    const first = await ask(origin, path, avifFirst);
    expect(first.cache).toBe(MINUTE);
    const again = await fetch(`${origin.url}${path}`, { headers: { accept: avifFirst, 'if-none-match': first.etag ?? '' } });
    // Either the upgrade is still running (304, short-lived) or it has landed (200 AVIF): never a 200 WebP for a year.
    if (again.status === 304) expect(again.headers.get('cache-control')).toBe(MINUTE);
    else expect([again.status, again.headers.get('content-type'), again.headers.get('cache-control')]).toEqual([200, 'image/avif', YEAR]);
    await again.arrayBuffer();
    await origin.services.variants.settled();
    const after = await fetch(`${origin.url}${path}`, { headers: { accept: avifFirst, 'if-none-match': first.etag ?? '' } });
    expect([after.status, after.headers.get('content-type')]).toEqual([200, 'image/avif']);
  });
});

describe('FAST_FIRST_MS switches the behaviour', () => {
  let eager: TestOrigin;
  let never: TestOrigin;
  let eagerId: string;
  let neverId: string;
  beforeAll(async () => {
    [eager, never] = await Promise.all([startTestOrigin({ FAST_FIRST_MS: '0' }), startTestOrigin({ FAST_FIRST_MS: '1000000000' })]);
    const bytes = await photo(1600, 1200);
    [eagerId, neverId] = await Promise.all([upload(eager, bytes), upload(never, bytes)]);
  });
  afterAll(() => Promise.all([eager.destroy(), never.destroy()]));

  it('0: even a small AVIF is answered with WebP first', async () => {
    const first = await ask(eager, `/img/${eagerId}/w_120,f_auto`, avifFirst);
    expect([first.type, first.cache]).toEqual(['image/webp', MINUTE]);
    await eager.services.variants.settled();
    expect((await ask(eager, `/img/${eagerId}/w_120,f_auto`, avifFirst)).type).toBe('image/avif');
  });

  it('0: a client without a modern format gets the default format, with no fast-first', async () => {
    const plain = await ask(eager, `/img/${eagerId}/w_121,f_auto`, '*/*');
    expect([plain.type, plain.cache]).toEqual(['image/jpeg', YEAR]);
  });

  it('0: a client with no modern token gets JPEG first (PNG for alpha) while an AVIF source renders in its own format', async () => {
    const avif = (channels: 3 | 4) =>
      sharp({ create: { width: 300, height: 200, channels, background: { r: 200, g: 90, b: 30, alpha: 0.5 } } })
        .avif()
        .toBuffer();
    for (const [channels, fast] of [
      [3, 'image/jpeg'],
      [4, 'image/png'],
    ] as const) {
      const response = await fetch(`${eager.url}/v1/images`, {
        method: 'POST',
        headers: { 'content-type': 'image/avif' },
        body: await avif(channels),
      });
      const avifId = ((await response.json()) as { id: string }).id;
      const first = await ask(eager, `/img/${avifId}/w_150,f_auto`, '*/*');
      expect([first.type, first.cache, first.decoded?.hasAlpha]).toEqual([fast, MINUTE, channels === 4]);
      await eager.services.variants.settled();
      const next = await ask(eager, `/img/${avifId}/w_150,f_auto`, '*/*');
      expect([next.type, next.cache]).toEqual(['image/avif', YEAR]);
    }
  });

  it('a huge value: the first viewer waits for the AVIF, as before', async () => {
    const first = await ask(never, `/img/${neverId}/w_1200,f_auto`, avifFirst);
    expect([first.type, first.cache]).toEqual(['image/avif', YEAR]);
  });
});
