import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from './env.ts';
import { edgeFetch, freshId, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Issue 16: the edge settles the request id, forwards it to the origin and echoes it on every answer. */
describe('X-Request-Id at the edge', () => {
  let origin: FakeOrigin;
  const env: Env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };

  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    origin.install();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("forwards a client's valid id to the origin on pass-through and echoes it", async () => {
    origin.on('/v1/images', () => Response.json({ items: [] }));
    const response = await edgeFetch(env, '/v1/images', { headers: { 'x-request-id': 'client.id_1-A' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('client.id_1-A');
    expect(origin.calls[0]?.headers.get('x-request-id')).toBe('client.id_1-A');
  });

  it('replaces an invalid id, and sends the origin the one it echoes', async () => {
    origin.on('/v1/images', () => Response.json({ items: [] }));
    const response = await edgeFetch(env, '/v1/images', { headers: { 'x-request-id': 'not valid!' } });
    const echoed = response.headers.get('x-request-id') ?? '';
    expect(echoed).toMatch(uuid);
    expect(origin.calls[0]?.headers.get('x-request-id')).toBe(echoed);

    const without = await edgeFetch(env, '/v1/images');
    expect(without.headers.get('x-request-id')).toMatch(uuid);
    expect(without.headers.get('x-request-id')).not.toBe(echoed);
  });

  it("forwards the id on an /img miss and echoes each request's own id on the hits", async () => {
    const id = freshId();
    const miss = await edgeFetch(env, `/img/${id}/w_40`, { headers: { 'x-request-id': 'first' } });
    expect(miss.headers.get('x-edge-cache')).toBe('miss');
    expect(miss.headers.get('x-request-id')).toBe('first');
    expect(origin.callsTo(`/img/${id}`)[0]?.headers.get('x-request-id')).toBe('first');

    const hit = await edgeFetch(env, `/img/${id}/w_40`, { headers: { 'x-request-id': 'second' } });
    expect(hit.headers.get('x-edge-cache')).toBe('hit');
    expect(hit.headers.get('x-request-id')).toBe('second');
    expect(origin.calls).toHaveLength(1);
  });

  it("names the request as the instance of the edge's own problems", async () => {
    const invalid = await edgeFetch(env, `/img/${freshId()}/w_nope`, { headers: { 'x-request-id': 'bad-op' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-request-id')).toBe('bad-op');
    expect(await problemOf(invalid)).toMatchObject({ code: 'invalid_transform', instance: 'urn:request:bad-op' });

    const dotted = await edgeFetch(env, '/img/..%2fmetrics', { headers: { 'x-request-id': 'dots' } });
    expect(dotted.status).toBe(400);
    expect(dotted.headers.get('x-request-id')).toBe('dots');
    expect(await problemOf(dotted)).toMatchObject({ code: 'invalid_request', instance: 'urn:request:dots' });

    origin.modes.set(ORIGIN, 'down');
    const down = await edgeFetch(env, '/v1/images', { headers: { 'x-request-id': 'origin-down' } });
    expect(down.status).toBe(502);
    expect(await problemOf(down)).toMatchObject({ code: 'bad_gateway', instance: 'urn:request:origin-down' });
  });

  it('re-stamps a cached 404 with the instance of the request it now answers', async () => {
    const id = freshId();
    origin.on(`/img/${id}`, (request) => {
      const requestId = request.headers.get('x-request-id') ?? '';
      return new Response(JSON.stringify({ status: 404, code: 'not_found', detail: 'gone', instance: `urn:request:${requestId}` }), {
        status: 404,
        headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId },
      });
    });
    const first = await edgeFetch(env, `/img/${id}/w_10`, { headers: { 'x-request-id': 'fills-cache' } });
    expect(await problemOf(first)).toMatchObject({ instance: 'urn:request:fills-cache' });
    const second = await edgeFetch(env, `/img/${id}/w_10`, { headers: { 'x-request-id': 'from-cache' } });
    expect(second.headers.get('x-edge-cache')).toBe('hit');
    expect(second.headers.get('x-request-id')).toBe('from-cache');
    expect(await problemOf(second)).toMatchObject({ code: 'not_found', instance: 'urn:request:from-cache' });
  });
});
