import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPng } from './helpers/origin.ts';
import { rawExchange, send, startWatchedOrigin, type PlainResponse, type WatchedOrigin } from './helpers/robustness.ts';

/**
 * Issue 16, request ids: every answer of the origin carries X-Request-Id (the client's when it is
 * safe, else a fresh one), problems name it as their `instance`, 401s say which scheme they
 * want, and a delivery with no stages sends no Server-Timing at all.
 */
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function problemOf(response: PlainResponse): { code: string; instance?: string } {
  expect(response.headers['content-type']).toBe('application/problem+json');
  return JSON.parse(response.body.toString('utf8')) as { code: string; instance?: string };
}

/** The id a response echoed, checked to be the one its problem body names. */
function expectProblemWithId(response: PlainResponse, code: string): string {
  const id = response.headers['x-request-id'] ?? '';
  expect(id).not.toBe('');
  expect(problemOf(response)).toMatchObject({ code, instance: `urn:request:${id}` });
  return id;
}

describe('X-Request-Id at the origin', () => {
  let origin: WatchedOrigin;
  beforeAll(async () => {
    origin = await startWatchedOrigin();
  });
  afterAll(() => origin.destroy());

  it("keeps a client's id made of [A-Za-z0-9._-]{1,128}", async () => {
    for (const id of ['abc', 'A.b_c-9', 'x'.repeat(128), '0123456789abcdef']) {
      const response = await send(origin.url, { path: '/healthz', headers: { 'x-request-id': id } });
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id'], id).toBe(id);
    }
  });

  it('replaces any other value (and none) with a fresh one', async () => {
    const offered = ['x'.repeat(129), 'has space', 'quote"d', 'semi;colon', 'slash/ed', 'ünïcode', ''];
    const seen = new Set<string>();
    for (const id of [...offered, undefined]) {
      const headers = id === undefined ? {} : { 'x-request-id': id };
      const response = await send(origin.url, { path: '/healthz', headers });
      const echoed = response.headers['x-request-id'] ?? '';
      expect(echoed, String(id)).toMatch(uuid);
      seen.add(echoed);
    }
    expect(seen.size).toBe(offered.length + 1);
  });

  it('echoes the id on 404s and names it as the problem instance', async () => {
    const unknownRoute = await send(origin.url, { path: '/nowhere', headers: { 'x-request-id': 'route-404' } });
    expect(unknownRoute.status).toBe(404);
    expect(expectProblemWithId(unknownRoute, 'not_found')).toBe('route-404');

    const unknownImage = await send(origin.url, { path: '/v1/images/AAAAAAAAAAAA', headers: { 'x-request-id': 'image-404' } });
    expect(unknownImage.status).toBe(404);
    expect(expectProblemWithId(unknownImage, 'not_found')).toBe('image-404');

    const badTransform = await send(origin.url, { path: '/img/AAAAAAAAAAAA/w_nope' });
    expect(badTransform.status).toBe(400);
    expect(expectProblemWithId(badTransform, 'invalid_transform')).toMatch(uuid);
  });

  it('echoes the id on answers made before routing: dot segments, adapter refusals, unparseable HTTP', async () => {
    const dotted = await send(origin.url, { path: '/img/%2e%2e/metrics', headers: { 'x-request-id': 'dots' } });
    expect(dotted.status).toBe(400);
    expect(expectProblemWithId(dotted, 'invalid_request')).toBe('dots');

    const backslash = await send(origin.url, { path: '/img/a\\b', headers: { 'x-request-id': 'backslash' } });
    expect(backslash.status).toBe(400);
    expect(expectProblemWithId(backslash, 'invalid_request')).toBe('backslash');

    // Bytes that are not HTTP: no request, so no client id, but the answer still has one.
    const garbage = await rawExchange(origin.url, [Buffer.from('GET / HTTP/1.1\r\nbad header\r\n\r\n')]);
    expect(garbage.status).toBe(400);
    const id = /\r\nx-request-id: (\S+)\r\n/i.exec(garbage.text)?.[1] ?? '';
    expect(id).toMatch(uuid);
    expect(garbage.text).toContain(`"instance":"urn:request:${id}"`);
    expect(origin.errors).toEqual([]);
  });

  it('sends no Server-Timing on a memory hit, and a non-empty one on a render', async () => {
    const id = await uploadPng(origin.url);
    const rendered = await fetch(`${origin.url}/img/${id}/w_20`);
    await rendered.arrayBuffer();
    expect(rendered.headers.get('x-variant-source')).toBe('render');
    expect(rendered.headers.get('server-timing')).toMatch(/;dur=/);

    const fromMemory = await fetch(`${origin.url}/img/${id}/w_20`);
    await fromMemory.arrayBuffer();
    expect(fromMemory.headers.get('x-variant-source')).toBe('memory');
    expect(fromMemory.headers.has('server-timing')).toBe(false);
    expect(fromMemory.headers.get('x-request-id')).toMatch(uuid);
  });
});

describe('X-Request-Id with keys and roles', () => {
  let keyed: WatchedOrigin;
  let deliveryOnly: WatchedOrigin;
  beforeAll(async () => {
    keyed = await startWatchedOrigin({ API_KEYS: 'acme:acme-key-0123456789', METRICS_TOKEN: 'metrics-token-0123456789' });
    deliveryOnly = await startWatchedOrigin({ ROLES: 'delivery' });
  });
  afterAll(async () => {
    await keyed.destroy();
    await deliveryOnly.destroy();
  });

  it('answers 401 with WWW-Authenticate: Bearer and the id, for /v1 and /metrics', async () => {
    for (const path of ['/v1/images', '/metrics']) {
      const response = await send(keyed.url, { path, headers: { 'x-request-id': `no-key${path.replaceAll('/', '.')}` } });
      expect(response.status, path).toBe(401);
      expect(response.headers['www-authenticate'], path).toBe('Bearer');
      expect(expectProblemWithId(response, 'unauthorized')).toBe(`no-key${path.replaceAll('/', '.')}`);
    }
    const wrongKey = await send(keyed.url, { path: '/v1/images', headers: { authorization: 'Bearer wrong' } });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers['www-authenticate']).toBe('Bearer');
    expectProblemWithId(wrongKey, 'unauthorized');

    const allowed = await send(keyed.url, { path: '/v1/images', headers: { authorization: 'Bearer acme-key-0123456789' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['www-authenticate']).toBeUndefined();
  });

  it('echoes the id on a 421 from a process without the role', async () => {
    const response = await send(deliveryOnly.url, { path: '/v1/images', headers: { 'x-request-id': 'wrong-role' } });
    expect(response.status).toBe(421);
    expect(expectProblemWithId(response, 'misdirected')).toBe('wrong-role');
  });
});
