import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from './env.ts';
import { edgeFetch, freshId, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';

/**
 * Issue 19, client hints at the edge: the rounded width (or DPR) keys the cache like the f_auto
 * token does, never the raw header, and the origin gets hint headers carrying exactly that value.
 */
describe('w_auto and dpr_auto through the edge cache', () => {
  let origin: FakeOrigin;
  let env: Env;

  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    // An origin that says which hints it was given, as the real one renders from them.
    origin.on('/img/', (request) => {
      const hints = `width=${request.headers.get('sec-ch-width') ?? '-'} dpr=${request.headers.get('sec-ch-dpr') ?? '-'}`;
      return new Response(hints, {
        headers: {
          'content-type': 'image/jpeg',
          etag: `"${hints.replaceAll(/[^0-9a-z]/g, '')}"`,
          'cache-control': 'public, max-age=31536000, immutable',
        },
      });
    });
    origin.install();
    env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const get = (path: string, headers: Record<string, string> = {}) => edgeFetch(env, path, { headers });

  it('keys w_auto by the width rounded up to AUTO_WIDTH_STEP, and sends the origin that width', async () => {
    const id = freshId();
    const first = await get(`/img/${id}/w_auto`, { 'sec-ch-width': '666' });
    expect(first.headers.get('x-edge-cache')).toBe('miss');
    expect(first.headers.get('vary')).toBe('Sec-CH-Width, Width');
    expect(await first.text()).toBe('width=700 dpr=-');
    // 690 rounds to the same 700: the same entry, whatever the raw header said.
    const second = await get(`/img/${id}/w_auto`, { 'sec-ch-width': '690' });
    expect(second.headers.get('x-edge-cache')).toBe('hit');
    expect(second.headers.get('vary')).toBe('Sec-CH-Width, Width');
    expect(await second.text()).toBe('width=700 dpr=-');
    // The legacy header rounds the same way.
    expect((await get(`/img/${id}/w_auto`, { width: '601' })).headers.get('x-edge-cache')).toBe('hit');
    const wider = await get(`/img/${id}/w_auto`, { 'sec-ch-width': '701' });
    expect(wider.headers.get('x-edge-cache')).toBe('miss');
    expect(await wider.text()).toBe('width=800 dpr=-');
    expect(origin.calls.map((call) => call.headers.get('sec-ch-width'))).toEqual(['700', '800']);
    // The canonical path stays w_auto: the value is in the key and the headers only.
    expect(origin.calls.map((call) => call.path)).toEqual([`/img/${id}/w_auto`, `/img/${id}/w_auto`]);
  });

  it('gives requests without a usable hint the fallback entry, and sends the origin no hint', async () => {
    const id = freshId();
    const none = await get(`/img/${id}/w_auto:640`);
    expect(none.status).toBe(200);
    expect(await none.text()).toBe('width=- dpr=-');
    for (const bad of ['abc', '0', '-1', '1e3', '12.5']) {
      const response = await get(`/img/${id}/w_auto:640`, { 'sec-ch-width': bad });
      expect(response.status, bad).toBe(200);
      expect(response.headers.get('x-edge-cache'), bad).toBe('hit');
      await response.body?.cancel();
    }
    expect(origin.calls).toHaveLength(1);
    expect(origin.calls[0]?.headers.has('sec-ch-width')).toBe(false);
  });

  it('keys dpr_auto by the DPR rounded up to tenths', async () => {
    const id = freshId();
    const first = await get(`/img/${id}/w_300,dpr_auto`, { 'sec-ch-dpr': '2' });
    expect(first.headers.get('vary')).toBe('Sec-CH-DPR, DPR');
    expect(await first.text()).toBe('width=- dpr=2');
    expect((await get(`/img/${id}/dpr_auto,w_0300`, { dpr: '2.0' })).headers.get('x-edge-cache')).toBe('hit');
    const android = await get(`/img/${id}/w_300,dpr_auto`, { 'sec-ch-dpr': '2.625' });
    expect(android.headers.get('x-edge-cache')).toBe('miss');
    expect(await android.text()).toBe('width=- dpr=2.7');
    // No hint: a DPR of 1, its own entry.
    expect(await (await get(`/img/${id}/w_300,dpr_auto`)).text()).toBe('width=- dpr=-');
    expect(origin.calls).toHaveLength(3);
  });

  it('adds the hints to Vary: Accept for f_auto, and keys both', async () => {
    const id = freshId();
    const webp = await get(`/img/${id}/w_auto,f_auto`, { accept: 'image/webp', 'sec-ch-width': '300' });
    expect(webp.headers.get('vary')).toBe('Accept, Sec-CH-Width, Width');
    await webp.body?.cancel();
    const avif = await get(`/img/${id}/w_auto,f_auto`, { accept: 'image/avif', 'sec-ch-width': '300' });
    expect(avif.headers.get('x-edge-cache')).toBe('miss');
    await avif.body?.cancel();
    expect(origin.calls.map((call) => [call.headers.get('accept'), call.headers.get('sec-ch-width')])).toEqual([
      ['image/webp', '300'],
      ['image/avif', '300'],
    ]);
  });

  it('rounds with the AUTO_WIDTH_STEP binding', async () => {
    env = { ...env, AUTO_WIDTH_STEP: '1' };
    const response = await get(`/img/${freshId()}/w_auto`, { 'sec-ch-width': '666' });
    expect(await response.text()).toBe('width=666 dpr=-');
  });

  it('refuses w_auto with dpr before the origin', async () => {
    const response = await get(`/img/${freshId()}/w_auto,dpr_2`, { 'sec-ch-width': '666' });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe('invalid_transform');
    expect(origin.calls).toHaveLength(0);
  });
});
