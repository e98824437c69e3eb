import { describe, expect, it } from 'vitest';
import { roleOf } from '../core/roles.ts';
import { testConfig } from './helpers/config.ts';
import { startTestOrigin } from './helpers/origin.ts';

describe('roleOf (SPEC section 8, Roles)', () => {
  it('sorts routes into the four roles and leaves probes and metrics to every process', () => {
    expect(roleOf('POST', '/v1/images')).toBe('upload');
    expect(roleOf('PUT', '/v1/watermarks/logo')).toBe('upload');
    expect(roleOf('GET', '/v1/images')).toBe('api');
    expect(roleOf('GET', '/v1/images/abcdefgh12')).toBe('api');
    expect(roleOf('DELETE', '/v1/watermarks/logo')).toBe('api');
    // Only defining an overlay is an upload; listing and reading them is the API's.
    expect(roleOf('GET', '/v1/watermarks')).toBe('api');
    expect(roleOf('GET', '/v1/watermarks/logo')).toBe('api');
    expect(roleOf('GET', '/v1/uploads')).toBe('multipart');
    expect(roleOf('GET', '/v1/batches')).toBe('api');
    expect(roleOf('POST', '/v1/uploads')).toBe('multipart');
    expect(roleOf('PUT', '/v1/uploads/abc/parts/1')).toBe('multipart');
    expect(roleOf('GET', '/img/abcdefgh12/w_100')).toBe('delivery');
    expect(roleOf('GET', '/v1/stats')).toBe('api');
    expect(roleOf('GET', '/')).toBe('api');
    for (const path of ['/healthz', '/readyz', '/metrics']) expect(roleOf('GET', path)).toBeUndefined();
  });
});

describe('ROLES', () => {
  it('defaults to every role and refuses an unknown one', () => {
    expect([...testConfig().roles].sort()).toEqual(['api', 'delivery', 'multipart', 'upload']);
    expect([...testConfig({ ROLES: 'all' }).roles].sort()).toEqual(['api', 'delivery', 'multipart', 'upload']);
    expect([...testConfig({ ROLES: 'delivery,all' }).roles].sort()).toEqual(['api', 'delivery', 'multipart', 'upload']);
    expect([...testConfig({ ROLES: 'delivery, api' }).roles].sort()).toEqual(['api', 'delivery']);
    expect(() => testConfig({ ROLES: 'delivery,render' })).toThrow(/ROLES/);
  });

  it('answers 421 misdirected outside its roles and serves probes and metrics everywhere', async () => {
    const origin = await startTestOrigin({ ROLES: 'delivery' });
    try {
      const upload = await fetch(`${origin.url}/v1/images`, { method: 'POST', body: 'x' });
      expect(upload.status).toBe(421);
      expect(upload.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await upload.json()).toMatchObject({ code: 'misdirected', status: 421 });
      expect((await fetch(`${origin.url}/v1/uploads`, { method: 'POST' })).status).toBe(421);
      expect((await fetch(`${origin.url}/v1/images`)).status).toBe(421);
      // Delivery itself is served: an unknown id is the delivery route's own 404, not a 421.
      expect((await fetch(`${origin.url}/img/abcdefgh12`)).status).toBe(404);
      for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${origin.url}${path}`)).status).toBe(200);
    } finally {
      await origin.destroy();
    }
  });
});
