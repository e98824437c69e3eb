import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDotSegment } from '../core/dot-segments.ts';
import { send, startWatchedOrigin, type WatchedOrigin } from './helpers/robustness.ts';

/**
 * Issue 14, item 8: a dot segment in the path (raw or percent-encoded) would be resolved by the
 * URL parser and reach another route (`/img/%2e%2e/metrics` → `/metrics`); `/metrics` can be
 * restricted with METRICS_TOKEN.
 */
const dotted = [
  '/img/%2e%2e/metrics',
  '/img/%2E%2E/v1/images',
  '/img/.%2e/v1/images',
  '/img/%2e./metrics',
  '/img/AAAAAAAAAAAA/../../v1/images',
  '/img/AAAAAAAAAAAA/./w_100',
  '/img/AAAAAAAAAAAA/w_100/..',
  '/img/..%2fmetrics',
  '/img/..%2F..%2Fv1%2Fimages',
  '/img/%2e%2e%5cmetrics',
  '/v1/images/../../metrics',
  'http://localhost/img/%2e%2e/metrics',
];

describe('dot segments', () => {
  it('are recognised raw, percent-encoded and behind encoded slashes; other dots are not', () => {
    for (const path of dotted) expect(hasDotSegment(path), path).toBe(true);
    for (const path of [
      '/img/AAAAAAAAAAAA/w_100/photo.jpg',
      '/img/AAAAAAAAAAAA/e_blur:1.5',
      '/img/a/...',
      '/img/a/..x',
      '/img/a/.hidden',
      '/healthz?x=/../..',
      '/img/a%252e%252e',
    ])
      expect(hasDotSegment(path), path).toBe(false);
  });

  describe('at the origin', () => {
    let origin: WatchedOrigin;
    beforeAll(async () => {
      origin = await startWatchedOrigin();
    });
    afterAll(() => origin.destroy());

    it('are refused with 400 invalid_request before routing', async () => {
      for (const path of dotted) {
        const response = await send(origin.url, { path });
        expect(response.status, path).toBe(400);
        expect(response.headers['content-type'], path).toBe('application/problem+json');
        expect(JSON.parse(response.body.toString()), path).toMatchObject({ code: 'invalid_request' });
      }
      expect(origin.errors).toEqual([]);
    });

    it('leaves other paths alone', async () => {
      expect((await send(origin.url, { path: '/metrics' })).status).toBe(200);
      expect((await send(origin.url, { path: '/v1/images?q=harbour/../../etc' })).status).toBe(200);
    });
  });

  describe('METRICS_TOKEN', () => {
    let origin: WatchedOrigin;
    beforeAll(async () => {
      origin = await startWatchedOrigin({ METRICS_TOKEN: 'metrics-secret-1' });
    });
    afterAll(() => origin.destroy());

    it('makes /metrics need the bearer token (401 without it or with another)', async () => {
      for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'metrics-secret-1' }]) {
        const response = await send(origin.url, { path: '/metrics', headers });
        expect(response.status, JSON.stringify(headers)).toBe(401);
        expect(JSON.parse(response.body.toString())).toMatchObject({ code: 'unauthorized' });
      }
      const allowed = await send(origin.url, { path: '/metrics', headers: { authorization: 'Bearer metrics-secret-1' } });
      expect(allowed.status).toBe(200);
      expect(allowed.body.toString()).toContain('pixelfront_http_requests_total');
      expect((await send(origin.url, { path: '/healthz' })).status).toBe(200);
    });
  });
});
