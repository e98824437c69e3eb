import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cacheKey } from '../cache-key.ts';
import type { Env } from '../env.ts';
import { EDGE, edgeFetch, freshId, problemOf } from '../testing/edge-fetch.ts';
import { FakeOrigin } from '../testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';

describe('GET /img through the edge cache', () => {
  let origin: FakeOrigin;
  let env: Env;

  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    origin.install();
    env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('runs inside workerd', () => {
    // caches.default and WebSocketPair exist only in the Workers runtime.
    expect(caches.default).toBeDefined();
    expect(typeof WebSocketPair).toBe('function');
  });

  it('misses, fetches the canonical path from the origin once, then hits', async () => {
    const id = freshId();
    const first = await edgeFetch(env, `/img/${id}/w_400`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-edge-cache')).toBe('miss');
    expect(first.headers.get('cache-tag')).toBe(`img-${id}`);
    const firstBody = await first.arrayBuffer();

    const second = await edgeFetch(env, `/img/${id}/w_400`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-edge-cache')).toBe('hit');
    expect(second.headers.get('cache-tag')).toBe(`img-${id}`);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(second.headers.get('vary')).toBeNull();
    expect(second.headers.get('server-timing')).toBeNull();
    expect(second.headers.get('x-variant-source')).toBe('render');
    expect(await second.arrayBuffer()).toEqual(firstBody);

    expect(origin.calls.map((call) => call.path)).toEqual([`/img/${id}/w_400`]);
  });

  it('serves the original (/img/<id>) through the same cache', async () => {
    const id = freshId();
    expect((await edgeFetch(env, `/img/${id}`)).headers.get('x-edge-cache')).toBe('miss');
    expect((await edgeFetch(env, `/img/${id}`)).headers.get('x-edge-cache')).toBe('hit');
    // An ops string that canonicalises to nothing is the original too.
    expect((await edgeFetch(env, `/img/${id}/c_fit`)).headers.get('x-edge-cache')).toBe('hit');
    expect(origin.calls.map((call) => call.path)).toEqual([`/img/${id}`]);
  });

  it('gives equivalent spellings (order, zero padding, dpr, SEO name, sig/exp noise) one cache entry', async () => {
    const id = freshId();
    const spellings = [
      `/img/${id}/w_800,h_600`,
      `/img/${id}/h_600,w_0800`,
      `/img/${id}/w_400,h_300,dpr_2`,
      `/img/${id}/h_600,w_800/holiday-photo.jpg`,
      `/img/${id}/w_800,h_600?utm_source=mail`,
    ];
    const states: (string | null)[] = [];
    for (const spelling of spellings) {
      const response = await edgeFetch(env, spelling);
      expect(response.status).toBe(200);
      states.push(response.headers.get('x-edge-cache'));
    }
    expect(states).toEqual(['miss', 'hit', 'hit', 'hit', 'hit']);
    expect(origin.calls).toHaveLength(1);
    expect(origin.calls[0]?.path).toBe(`/img/${id}/w_800,h_600`);
    expect(origin.calls[0]?.search).toBe('');
    expect(await caches.default.match(cacheKey(EDGE, `/img/${id}/w_800,h_600`, undefined))).toBeDefined();
  });

  it('f_auto: four Accept headers give four formats and four cache entries, and no more', async () => {
    const id = freshId();
    const path = `/img/${id}/w_300,f_auto`;
    const accepts = {
      jxl: 'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', // Chromium here
      avif: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8',
      webp: 'image/webp,*/*',
      default: 'image/png,image/*;q=0.8',
    };
    for (const [token, accept] of Object.entries(accepts)) {
      const response = await edgeFetch(env, path, { headers: { accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-edge-cache')).toBe('miss');
      expect(response.headers.get('vary')).toBe('Accept');
      expect(response.headers.get('content-type')).toBe(`image/${token === 'default' ? 'jpeg' : token}`);
    }
    // The origin saw the canonical path with a normalised Accept carrying only the token.
    expect(origin.calls.map((call) => [call.path, call.headers.get('accept')])).toEqual([
      [path, 'image/jxl'],
      [path, 'image/avif'],
      [path, 'image/webp'],
      [path, '*/*'],
    ]);

    // Other spellings of the same three preferences are hits: nothing new is fetched or stored.
    const sameTokens = [
      ['image/webp, image/avif, image/jxl;q=0.5', 'image/jxl'],
      ['image/avif', 'image/avif'],
      ['image/webp;q=0.9, image/jpeg', 'image/webp'],
      ['*/*', 'image/jpeg'],
      ['', 'image/jpeg'],
    ];
    for (const [accept, type] of sameTokens) {
      const response = await edgeFetch(env, `/img/${id}/f_auto,w_0300/x.jpg`, { headers: accept === '' ? {} : { accept: accept ?? '' } });
      expect(response.headers.get('x-edge-cache')).toBe('hit');
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('vary')).toBe('Accept');
    }
    expect(origin.calls).toHaveLength(4);

    for (const token of ['jxl', 'avif', 'webp', 'default'] as const) {
      expect(await caches.default.match(cacheKey(EDGE, path, token))).toBeDefined();
    }
    // Keyed by token only: no entry without a token, none per raw Accept.
    expect(await caches.default.match(cacheKey(EDGE, path, undefined))).toBeUndefined();
    expect(await caches.default.match(new Request(`${EDGE}${path}`, { headers: { accept: accepts.jxl } }))).toBeUndefined();
  });

  it('answers 304 to a matching If-None-Match, on a miss and on a hit', async () => {
    const id = freshId();
    const first = await edgeFetch(env, `/img/${id}/w_50`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');

    const hit = await edgeFetch(env, `/img/${id}/w_50`, { headers: { 'if-none-match': etag } });
    expect(hit.status).toBe(304);
    expect(hit.headers.get('etag')).toBe(etag);
    expect(hit.headers.get('x-edge-cache')).toBe('hit');
    expect((await hit.arrayBuffer()).byteLength).toBe(0);

    const other = await edgeFetch(env, `/img/${id}/w_50`, { headers: { 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);

    const missId = freshId();
    const probe = await edgeFetch(env, `/img/${missId}/w_60`);
    const missEtag = probe.headers.get('etag') ?? '';
    await caches.default.delete(cacheKey(EDGE, `/img/${missId}/w_60`, undefined));
    const miss = await edgeFetch(env, `/img/${missId}/w_60`, { headers: { 'if-none-match': `W/${missEtag}` } });
    expect(miss.status).toBe(304);
    expect(miss.headers.get('x-edge-cache')).toBe('miss');
    // The miss still filled the cache with the full response.
    expect((await edgeFetch(env, `/img/${missId}/w_60`)).headers.get('x-edge-cache')).toBe('hit');
  });

  it('rejects an invalid transform or id with 400 problem+json and never asks the origin', async () => {
    const id = freshId();
    const cases: [string, string, string][] = [
      [`/img/${id}/w_abc`, 'invalid_transform', 'w_abc'],
      [`/img/${id}/w_100,w_200`, 'invalid_transform', 'w'],
      [`/img/${id}/zz_1`, 'invalid_transform', 'zz'],
      [`/img/${id}/w_`, 'invalid_transform', 'w_'],
      [`/img/${id}/t_nosuchpreset`, 'invalid_transform', 'nosuchpreset'],
      [`/img/${id}/w_9000`, 'invalid_transform', '9000'],
      [`/img/${id}/w_5000,dpr_2`, 'invalid_transform', 'dpr'],
      ['/img/short/w_100', 'invalid_request', 'short'],
      [`/img/${id}/w_100/name.jpg/extra`, 'invalid_request', '/img/'],
      [`/img/${id}/w_%E0%A4%A`, 'invalid_request', 'percent'],
    ];
    for (const [path, code, named] of cases) {
      const response = await edgeFetch(env, path);
      expect(response.status, path).toBe(400);
      const problem = await problemOf(response);
      expect(problem.code, path).toBe(code);
      expect(problem.detail, path).toContain(named);
    }
    expect(origin.calls).toHaveLength(0);
  });

  it('passes origin 4xx through as they are, caching a 404 for a minute and nothing else', async () => {
    const gone = freshId();
    const broken = freshId();
    origin.on(`/img/${gone}`, () => problemFromOrigin(404, 'not_found'));
    origin.on(`/img/${broken}`, () => problemFromOrigin(422, 'corrupt_image'));

    const first404 = await edgeFetch(env, `/img/${gone}/w_10`);
    expect(first404.status).toBe(404);
    expect((await problemOf(first404)).code).toBe('not_found');
    expect(first404.headers.get('x-edge-cache')).toBe('miss');
    const second404 = await edgeFetch(env, `/img/${gone}/w_10`);
    expect(second404.status).toBe(404);
    expect(second404.headers.get('x-edge-cache')).toBe('hit');
    expect(second404.headers.get('cache-control')).toBe('public, max-age=60');
    expect((await problemOf(second404)).code).toBe('not_found');

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await edgeFetch(env, `/img/${broken}/w_10`);
      expect(response.status).toBe(422);
      expect((await problemOf(response)).code).toBe('corrupt_image');
    }
    expect(origin.callsTo(`/img/${gone}`)).toHaveLength(1);
    expect(origin.callsTo(`/img/${broken}`)).toHaveLength(2);
  });

  it('never reads the SEO name: any spelling of it, even malformed percent-encoding, is the same entry', async () => {
    const id = freshId();
    const names = ['photo.jpg', 'caf%C3%A9.jpg', '100%25.png', 'broken-%E0%A4%A.jpg'];
    const states: (string | null)[] = [];
    for (const name of names) {
      const response = await edgeFetch(env, `/img/${id}/w_90/${name}`);
      expect(response.status, name).toBe(200);
      states.push(response.headers.get('x-edge-cache'));
    }
    expect(states).toEqual(['miss', 'hit', 'hit', 'hit']);
    expect(origin.calls.map((call) => call.path)).toEqual([`/img/${id}/w_90`]);
  });

  it('answers HEAD from the same cache entry without a body', async () => {
    const id = freshId();
    await edgeFetch(env, `/img/${id}/w_70`);
    const head = await edgeFetch(env, `/img/${id}/w_70`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-edge-cache')).toBe('hit');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(origin.calls).toHaveLength(1);
  });
});

function problemFromOrigin(status: number, code: string): Response {
  return new Response(
    JSON.stringify({ type: `https://pixelfront.dev/errors/${code}`, title: code, status, detail: `origin says ${code}`, code }),
    {
      status,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    },
  );
}
