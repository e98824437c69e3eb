import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkSignedAccess } from '../core/signed-access.ts';
import { signPath } from '../core/signing.ts';
import type { Env } from './env.ts';
import { edgeFetch, freshId, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';
const KEYS = ['first-signing-key', 'older-signing-key'] as const;

describe('signed URLs at the edge (SIGNED_URLS=required)', () => {
  let origin: FakeOrigin;
  let env: Env;

  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    origin.install();
    env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'required', SIGNING_KEYS: KEYS.join(','), PUBLIC_PRESETS: 'thumb' };
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('rejects missing, wrong, foreign-key, tampered and expired signatures with 403 before the origin', async () => {
    const id = freshId();
    const canonical = `/img/${id}/w_400`;
    const now = Math.floor(Date.now() / 1000);
    const valid = await signPath(canonical, KEYS[0]);
    const expired = await signPath(canonical, KEYS[0], now - 10);
    const bad = [
      `/img/${id}/w_400`,
      `/img/${id}/w_400?sig=`,
      `/img/${id}/w_400?sig=${await signPath(canonical, 'not-a-configured-key')}`,
      `/img/${id}/w_401?sig=${valid}`,
      `/img/${id}/w_400?sig=${valid}&exp=${String(now + 3600)}`,
      `/img/${id}/w_400?sig=${expired}&exp=${String(now - 10)}`,
      `/img/${id}/w_400?sig=${valid.slice(0, -2)}`,
      `/img/${id}/t_card`,
    ];
    for (const path of bad) {
      const response = await edgeFetch(env, path);
      expect(response.status, path).toBe(403);
      expect((await problemOf(response)).code, path).toBe('invalid_signature');
    }
    expect(origin.calls).toHaveLength(0);
  });

  it('refuses a repeated sig or exp with 400 before the origin, even when every copy is valid (issue 14 item 12)', async () => {
    const id = freshId();
    const canonical = `/img/${id}/w_400`;
    const sig = await signPath(canonical, KEYS[0]);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const timed = await signPath(canonical, KEYS[0], exp);
    for (const query of [`sig=${sig}&sig=${sig}`, `sig=forged&sig=${sig}`, `exp=${String(exp)}&exp=${String(exp)}&sig=${timed}`]) {
      const response = await edgeFetch(env, `${canonical}?${query}`);
      expect(response.status, query).toBe(400);
      expect((await problemOf(response)).code, query).toBe('invalid_request');
    }
    expect(origin.calls).toHaveLength(0);
    expect((await edgeFetch(env, `${canonical}?exp=${String(exp)}&sig=${timed}`)).status).toBe(200);
  });

  it('accepts a signature of the canonical path for any spelling, with either key, and keeps sig/exp out of the cache key', async () => {
    const id = freshId();
    const canonical = `/img/${id}/w_800,h_600`;
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const byFirst = await signPath(canonical, KEYS[0]);
    const bySecond = await signPath(canonical, KEYS[1]);
    const expiring = await signPath(canonical, KEYS[0], exp);

    const first = await edgeFetch(env, `/img/${id}/h_600,w_800/photo.jpg?sig=${byFirst}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-edge-cache')).toBe('miss');
    const second = await edgeFetch(env, `/img/${id}/w_0800,h_600?sig=${bySecond}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-edge-cache')).toBe('hit');
    const third = await edgeFetch(env, `/img/${id}/w_800,h_600?exp=${String(exp)}&sig=${expiring}`);
    expect(third.status).toBe(200);
    expect(third.headers.get('x-edge-cache')).toBe('hit');

    expect(origin.calls).toHaveLength(1);
    // The origin gets the canonical path and the signature, so a signing origin accepts it too.
    expect(origin.calls[0]?.path).toBe(canonical);
    expect(origin.calls[0]?.search).toBe(`?sig=${byFirst}`);
  });

  it('serves t_NAME of a public preset unsigned, but not other ops around it', async () => {
    const id = freshId();
    expect((await edgeFetch(env, `/img/${id}/t_thumb`)).status).toBe(200);
    expect((await edgeFetch(env, `/img/${id}/t_thumb/avatar.png`)).status).toBe(200);
    expect((await edgeFetch(env, `/img/${id}/t_thumb,w_100`)).status).toBe(403);
    expect(origin.calls).toHaveLength(1);
  });

  it('forwards a public preset so that an origin requiring signatures under the same rule accepts it', async () => {
    const id = freshId();
    const policy = { signedUrls: 'required' as const, signingKeys: KEYS, publicPresets: ['thumb'] };
    // The origin's side of the rule, applied to what the edge actually sends it.
    origin.on(`/img/${id}`, async (request) => {
      const url = new URL(request.url);
      const rawOps = url.pathname.split('/')[3] ?? '';
      const canonicalPath = `/img/${id}/${rawOps === 't_thumb' ? 'c_fill,w_200,h_200' : rawOps}`;
      try {
        await checkSignedAccess(policy, { rawOps, canonicalPath, sig: url.searchParams.get('sig'), exp: url.searchParams.get('exp') });
      } catch {
        return new Response('origin refused', { status: 403 });
      }
      return new Response('ok', { status: 200, headers: { etag: '"ok"', 'cache-control': 'public, max-age=31536000, immutable' } });
    });
    const canonical = `/img/${id}/c_fill,w_200,h_200`;
    expect((await edgeFetch(env, `/img/${id}/t_thumb/a.png`)).status).toBe(200);
    // Same cache entry as the canonical spelling, which itself still needs a signature.
    expect(
      (await edgeFetch(env, `/img/${id}/c_fill,w_200,h_200?sig=${await signPath(canonical, KEYS[0])}`)).headers.get('x-edge-cache'),
    ).toBe('hit');
    expect(origin.calls.map((call) => call.path)).toEqual([`/img/${id}/t_thumb`]);
  });

  it('ignores signatures entirely when SIGNED_URLS=off', async () => {
    const open: Env = { ORIGIN_URL: ORIGIN };
    const id = freshId();
    expect((await edgeFetch(open, `/img/${id}/w_10`)).status).toBe(200);
    expect((await edgeFetch(open, `/img/${id}/w_10?sig=garbage`)).status).toBe(200);
  });
});
