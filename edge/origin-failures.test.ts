import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from './env.ts';
import { edgeFetch, freshId, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const PRIMARY = 'http://origin-a.test';
const SECONDARY = 'http://origin-b.test';

describe('when the origin fails', () => {
  let origin: FakeOrigin;

  beforeEach(() => {
    origin = new FakeOrigin([PRIMARY, SECONDARY]);
    origin.install();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('keeps serving hits while the origin is down; misses are 502 bad_gateway', async () => {
    const env: Env = { ORIGIN_URL: PRIMARY };
    const cachedId = freshId();
    const warm = await edgeFetch(env, `/img/${cachedId}/w_120`);
    expect(warm.status).toBe(200);
    const body = await warm.arrayBuffer();

    origin.modes.set(PRIMARY, 'down');
    const hit = await edgeFetch(env, `/img/${cachedId}/w_120`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-edge-cache')).toBe('hit');
    expect(await hit.arrayBuffer()).toEqual(body);

    const miss = await edgeFetch(env, `/img/${freshId()}/w_120`);
    expect(miss.status).toBe(502);
    expect((await problemOf(miss)).code).toBe('bad_gateway');
    // One origin: no retry.
    expect(origin.calls).toHaveLength(2);
  });

  it('answers 504 gateway_timeout once ORIGIN_TIMEOUT_MS passes without response headers', async () => {
    const env: Env = { ORIGIN_URL: PRIMARY, ORIGIN_TIMEOUT_MS: '300' };
    origin.modes.set(PRIMARY, 'hang');
    const started = Date.now();
    const response = await edgeFetch(env, `/img/${freshId()}/w_120`);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect((await problemOf(response)).code).toBe('gateway_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5000);
  });

  it('retries once on the other origin when ORIGIN_URLS lists several', async () => {
    const env: Env = { ORIGIN_URLS: `${PRIMARY}, ${SECONDARY}`, ORIGIN_TIMEOUT_MS: '300' };
    origin.modes.set(PRIMARY, 'down');
    // Each variant starts at the origin its key hashes to; request fresh ids until one started at
    // the dead origin (half of them do), and check that every request still ended well.
    let retried = 0;
    for (let attempt = 0; attempt < 40 && retried === 0; attempt += 1) {
      const id = freshId();
      const response = await edgeFetch(env, `/img/${id}/w_120`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-edge-cache')).toBe('miss');
      const calls = origin.callsTo(`/img/${id}/`).map((call) => call.origin);
      expect([[SECONDARY], [PRIMARY, SECONDARY]]).toContainEqual(calls);
      if (calls.length === 2) retried += 1;
    }
    expect(retried).toBe(1);

    origin.modes.set(SECONDARY, 'hang');
    const bothFail = await edgeFetch(env, `/img/${freshId()}/w_120`);
    expect([502, 504]).toContain(bothFail.status);
    expect(['bad_gateway', 'gateway_timeout']).toContain((await problemOf(bothFail)).code);
  });

  it('retries an overloaded origin (503) on the other one, and passes a lone 503 through', async () => {
    const id = freshId();
    origin.on(`/img/${id}`, (_request, call) =>
      call.origin === PRIMARY
        ? new Response('{"code":"overloaded"}', {
            status: 503,
            headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
          })
        : new Response('ok', { status: 200, headers: { etag: '"ok"', 'cache-control': 'public, max-age=31536000, immutable' } }),
    );
    const several = await edgeFetch({ ORIGIN_URLS: `${PRIMARY},${SECONDARY}` }, `/img/${id}/w_1`);
    expect(several.status).toBe(200);

    const alone = await edgeFetch({ ORIGIN_URL: PRIMARY }, `/img/${id}/w_2`);
    expect(alone.status).toBe(503);
    expect(alone.headers.get('retry-after')).toBe('1');
    // A 503 is not cached: the next request asks again.
    await edgeFetch({ ORIGIN_URL: PRIMARY }, `/img/${id}/w_2`);
    expect(origin.callsTo(`/img/${id}/w_2`)).toHaveLength(2);
  });
});
