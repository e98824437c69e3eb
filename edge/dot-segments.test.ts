import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from './env.ts';
import { edgeFetch, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';

/**
 * Issue 14, item 8 at the edge. workerd resolves raw and `%2e` dot segments before the Worker
 * sees the URL; what survives into `request.url` (dots behind an encoded slash or backslash) is
 * refused here, before routing, without contacting the origin.
 */
describe('dot segments at the edge', () => {
  let origin: FakeOrigin;
  const env: Env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };
  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    origin.install();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('are 400 invalid_request on /img and on pass-through paths, and the origin is not asked', async () => {
    for (const path of [
      '/img/..%2fmetrics',
      '/img/..%2F..%2Fv1%2Fimages',
      '/img/AAAAAAAAAAAA/.%2e%5c..%5cmetrics',
      '/v1/..%2fmetrics',
      '/x/%2e%2e%2fv1/images',
    ]) {
      const response = await edgeFetch(env, path);
      expect(response.status, path).toBe(400);
      expect((await problemOf(response)).code, path).toBe('invalid_request');
    }
    expect(origin.calls).toEqual([]);
  });
});
