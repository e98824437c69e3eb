import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cacheKey } from './cache-key.ts';
import type { Env } from './env.ts';
import { EDGE, edgeFetch, freshId } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';
import { STORED_AT_HEADER } from './variant-cache.ts';

const ORIGIN = 'http://origin.test';
const chromium = 'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const YEAR = 'public, max-age=31536000, immutable';
const MINUTE = 'public, max-age=60';

/**
 * The origin's fast-first (origin/transform/fast-first.ts): the first f_auto answer is WebP for a
 * minute, every later one the JPEG XL for a year. Only Date is faked: the Cache API keeps the copy
 * by its own clock, so a miss after the fake minute shows the edge's own lifetime check.
 */
describe('the edge and a fast-first answer', () => {
  let origin: FakeOrigin;
  let env: Env;

  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    origin.install();
    env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };
    let answered = 0;
    origin.on('/img/', (request) => {
      const fast = answered++ === 0;
      const format = fast ? 'webp' : 'jxl';
      expect(request.headers.get('accept')).toBe('image/jxl');
      return new Response(`${format} bytes`, {
        headers: {
          'content-type': `image/${format}`,
          etag: `"${format}-etag"`,
          'cache-control': fast ? MINUTE : YEAR,
          vary: 'Accept',
          'x-variant-source': 'render',
        },
      });
    });
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const ask = (path: string, headers: Record<string, string> = {}) => edgeFetch(env, path, { headers: { accept: chromium, ...headers } });

  /** The edge's cache state, the format and the lifetime headers of an answer, in one line. */
  const seen = (response: Response) =>
    ['x-edge-cache', 'content-type', 'cache-control', 'age', 'vary'].map((name) => response.headers.get(name)).join(' | ');

  it('keeps the short-lived answer for its minute only, with its Age, then fetches the better one for a year', async () => {
    const path = `/img/${freshId()}/w_1200,f_auto`;
    expect(seen(await ask(path))).toBe(`miss | image/webp | ${MINUTE} |  | Accept`);
    // The stored copy keeps the origin's minute, not a year.
    const stored = await caches.default.match(cacheKey(EDGE, path, 'jxl'));
    expect(stored?.headers.get('cache-control')).toBe(MINUTE);
    await stored?.arrayBuffer();

    vi.setSystemTime(Date.now() + 30_000);
    const half = await ask(path);
    expect(seen(half)).toBe(`hit | image/webp | ${MINUTE} | 30 | Accept`);
    expect(half.headers.get(STORED_AT_HEADER)).toBeNull();
    // A revalidation carries the Age too, so the browser's renewed copy ends with the edge's.
    const revalidated = await ask(path, { 'if-none-match': '"webp-etag"' });
    expect([revalidated.status, revalidated.headers.get('age'), revalidated.headers.get('cache-control')]).toEqual([304, '30', MINUTE]);
    expect(origin.callsTo('/img/')).toHaveLength(1);

    vi.setSystemTime(Date.now() + 31_000);
    expect(seen(await ask(path))).toBe(`miss | image/jxl | ${YEAR} |  | Accept`);
    expect(origin.callsTo('/img/')).toHaveLength(2);

    vi.setSystemTime(Date.now() + 3_600_000);
    expect(seen(await ask(path))).toBe(`hit | image/jxl | ${YEAR} | 3600 | Accept`);
    expect(origin.callsTo('/img/')).toHaveLength(2);
  });
});
