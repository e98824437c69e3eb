import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from './env.ts';
import { edgeFetch, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';

describe('pass-through of every other path', () => {
  let origin: FakeOrigin;
  const env: Env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };

  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    origin.install();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('forwards POST /v1/images with its method, query, headers and body bytes, and returns the answer as is', async () => {
    origin.on('/v1/images', (_request, call) => {
      return new Response(JSON.stringify({ id: 'abcdefgh12', bytes: call.body?.length ?? 0 }), {
        status: 201,
        headers: { 'content-type': 'application/json', location: '/v1/images/abcdefgh12' },
      });
    });
    const body = randomBytes(200_000);
    const response = await edgeFetch(env, '/v1/images?eager=thumb,card', {
      method: 'POST',
      headers: { 'content-type': 'image/png', authorization: 'Bearer secret-key' },
      body,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/v1/images/abcdefgh12');
    expect(response.headers.get('x-edge-cache')).toBeNull();
    expect(await response.json()).toEqual({ id: 'abcdefgh12', bytes: 200_000 });

    expect(origin.calls).toHaveLength(1);
    const call = origin.calls[0];
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/v1/images');
    expect(call?.search).toBe('?eager=thumb,card');
    expect(call?.headers.get('content-type')).toBe('image/png');
    expect(call?.headers.get('authorization')).toBe('Bearer secret-key');
    expect(call?.headers.get('x-forwarded-host')).toBe('edge.test');
    expect(call?.body?.length).toBe(body.length);
    expect(await digest(call?.body ?? new Uint8Array())).toBe(await digest(body));
  });

  it('forwards GET, DELETE and health checks, with the origin status untouched', async () => {
    origin.on('/healthz', () => new Response('ok', { status: 200 }));
    origin.on('/v1/images/gone', () => new Response(null, { status: 204 }));
    origin.on(
      '/v1/images',
      () => new Response('{"items":[],"next":null}', { status: 200, headers: { 'content-type': 'application/json' } }),
    );
    expect(await (await edgeFetch(env, '/healthz')).text()).toBe('ok');
    expect((await edgeFetch(env, '/v1/images/gone', { method: 'DELETE' })).status).toBe(204);
    expect(await (await edgeFetch(env, '/v1/images?limit=5')).json()).toEqual({ items: [], next: null });
    expect((await edgeFetch(env, '/readyz')).status).toBe(404);
    expect(origin.calls.map((call) => `${call.method} ${call.path}${call.search}`)).toEqual([
      'GET /healthz',
      'DELETE /v1/images/gone',
      'GET /v1/images?limit=5',
      'GET /readyz',
    ]);
  });

  it('answers 502 problem+json when the origin is down', async () => {
    origin.modes.set(ORIGIN, 'down');
    const response = await edgeFetch(env, '/v1/images', { method: 'POST', body: 'x', headers: { 'content-type': 'image/png' } });
    expect(response.status).toBe(502);
    expect((await problemOf(response)).code).toBe('bad_gateway');
  });
});

describe('routing by role (ORIGIN_URL_<ROLE>)', () => {
  const origins = {
    all: 'http://all.test',
    upload: 'http://upload.test',
    multipart: 'http://multipart.test',
    delivery: 'http://delivery.test',
    api: 'http://api.test',
  };
  const env: Env = {
    ORIGIN_URL: origins.all,
    ORIGIN_URL_UPLOAD: origins.upload,
    ORIGIN_URL_MULTIPART: origins.multipart,
    ORIGIN_URL_DELIVERY: origins.delivery,
    ORIGIN_URL_API: origins.api,
  };
  let origin: FakeOrigin;
  beforeEach(() => {
    origin = new FakeOrigin(Object.values(origins));
    origin.install();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('sends each request to the origins of the role its path belongs to, probes to ORIGIN_URL', async () => {
    const requests: [string, RequestInit?][] = [
      ['/v1/images', { method: 'POST', body: 'x', headers: { 'content-type': 'image/png' } }],
      ['/v1/watermarks/logo', { method: 'PUT', body: 'x', headers: { 'content-type': 'image/png' } }],
      ['/v1/uploads', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }],
      ['/v1/uploads/u1/parts/1', { method: 'PUT', body: 'x' }],
      [`/img/${'abcdefgh12'}/w_10`],
      ['/v1/images'],
      ['/v1/stats'],
      ['/healthz'],
    ];
    for (const [path, init] of requests) await (await edgeFetch(env, path, init)).arrayBuffer();
    expect(origin.calls.map((call) => `${call.method} ${call.path} → ${call.origin}`)).toEqual([
      `POST /v1/images → ${origins.upload}`,
      `PUT /v1/watermarks/logo → ${origins.upload}`,
      `POST /v1/uploads → ${origins.multipart}`,
      `PUT /v1/uploads/u1/parts/1 → ${origins.multipart}`,
      `GET /img/abcdefgh12/w_10 → ${origins.delivery}`,
      `GET /v1/images → ${origins.api}`,
      `GET /v1/stats → ${origins.api}`,
      `GET /healthz → ${origins.all}`,
    ]);
  });

  it('retries a failed delivery on the next origin of the delivery role only', async () => {
    const twoDelivery: Env = { ...env, ORIGIN_URL_DELIVERY: `${origins.delivery},${origins.all}` };
    origin.modes.set(origins.delivery, 'down');
    origin.modes.set(origins.all, 'down');
    const response = await edgeFetch(twoDelivery, `/img/${'abcdefgh13'}/w_10`);
    expect(response.status).toBe(502);
    expect(new Set(origin.calls.map((call) => call.origin))).toEqual(new Set([origins.delivery, origins.all]));
  });
});

/** getRandomValues fills at most 64 KiB per call. */
function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  return bytes;
}

async function digest(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
