import { describe, expect, it } from 'vitest';
import { edgeConfig } from './config.ts';
import type { Env } from './env.ts';
import { edgeFetch, freshId, problemOf } from './testing/edge-fetch.ts';

describe('edgeConfig', () => {
  it('reads the bindings with defaults', () => {
    const config = edgeConfig({ ORIGIN_URL: 'https://origin.example.com/' });
    expect(config.origins).toEqual(['https://origin.example.com']);
    expect(config.signedUrls).toBe('off');
    expect(config.originTimeoutMs).toBe(10_000);
    expect(config.maxOutputDimension).toBe(8192);
    expect(config.presets.has('thumb')).toBe(true);
  });

  it('counts for statistics only with EDGE_STATS_SECRET, every 10 s unless EDGE_STATS_FLUSH_MS says otherwise', () => {
    expect(edgeConfig({ ORIGIN_URL: 'https://origin.example.com' }).edgeStats).toBeUndefined();
    expect(edgeConfig({ ORIGIN_URL: 'https://origin.example.com', EDGE_STATS_SECRET: 's3cret-s3cret-s3cret' }).edgeStats).toEqual({
      secret: 's3cret-s3cret-s3cret',
      flushMs: 10_000,
    });
    const fast = edgeConfig({ ORIGIN_URL: 'https://origin.example.com', EDGE_STATS_SECRET: 'x'.repeat(16), EDGE_STATS_FLUSH_MS: '500' });
    expect(fast.edgeStats?.flushMs).toBe(500);
    expect(() => edgeConfig({ ORIGIN_URL: 'https://origin.example.com', EDGE_STATS_FLUSH_MS: '10' })).toThrow(/EDGE_STATS_FLUSH_MS/);
  });

  it('rounds w_auto hints to AUTO_WIDTH_STEP (default 100), 1…16383 (issue 19)', () => {
    expect(edgeConfig({ ORIGIN_URL: 'https://origin.example.com' }).autoWidthStep).toBe(100);
    expect(edgeConfig({ ORIGIN_URL: 'https://origin.example.com', AUTO_WIDTH_STEP: '50' }).autoWidthStep).toBe(50);
    for (const step of ['0', '2.5', 'x', '16384']) {
      expect(() => edgeConfig({ ORIGIN_URL: 'https://origin.example.com', AUTO_WIDTH_STEP: step }), step).toThrow(/AUTO_WIDTH_STEP/);
    }
  });

  it('prefers ORIGIN_URLS and takes custom presets from PRESETS', () => {
    const config = edgeConfig({
      ORIGIN_URL: 'http://ignored.test',
      ORIGIN_URLS: 'http://a.test, http://b.test',
      PRESETS: '{"banner":"c_fill,w_1200,h_300"}',
      PUBLIC_PRESETS: 'banner',
      MAX_OUTPUT_DIMENSION: '4096',
    });
    expect(config.origins).toEqual(['http://a.test', 'http://b.test']);
    expect([...config.presets.keys()]).toEqual(['banner']);
    expect(config.publicPresets).toEqual(['banner']);
    expect(config.maxOutputDimension).toBe(4096);
  });

  it('gives each role its own origins (ORIGIN_URL_<ROLE>), defaulting to ORIGIN_URLS, and names a bad one', () => {
    const config = edgeConfig({
      ORIGIN_URLS: 'http://a.test,http://b.test',
      ORIGIN_URL_DELIVERY: 'http://d1.test/, http://d2.test',
      ORIGIN_URL_UPLOAD: 'http://u.test',
    });
    expect(config.roleOrigins).toEqual({
      upload: ['http://u.test'],
      multipart: ['http://a.test', 'http://b.test'],
      delivery: ['http://d1.test', 'http://d2.test'],
      api: ['http://a.test', 'http://b.test'],
    });
    expect(() => edgeConfig({ ORIGIN_URL: 'http://o.test', ORIGIN_URL_API: 'api.internal' })).toThrow(
      /origin "api.internal" is not an http\(s\) URL/,
    );
  });

  it('takes [vars] written as TOML numbers or booleans, and names any other non-string binding', () => {
    // wrangler passes such vars through as they are typed, whatever Env declares.
    const typed = { ORIGIN_URL: 'http://o.test', ORIGIN_TIMEOUT_MS: 2500, MAX_OUTPUT_DIMENSION: 4096 } as unknown as Env;
    expect(edgeConfig(typed).originTimeoutMs).toBe(2500);
    expect(edgeConfig(typed).maxOutputDimension).toBe(4096);
    const listed = { ORIGIN_URL: 'http://o.test', PUBLIC_PRESETS: ['thumb'], PRESETS: { thumb: 'w_10' } } as unknown as Env;
    expect(() => edgeConfig(listed)).toThrow(/PUBLIC_PRESETS must be a string.*PRESETS must be a string/);
  });

  it('names every problem of a misconfigured edge, which answers 503 without crashing', async () => {
    const env = { ORIGIN_URL: 'ftp://x', SIGNED_URLS: 'yes', ORIGIN_TIMEOUT_MS: 'soon', PRESETS: '{', PUBLIC_PRESETS: 'thumb' };
    expect(() => edgeConfig(env)).toThrow(/ftp:\/\/x.*SIGNED_URLS.*ORIGIN_TIMEOUT_MS.*PRESETS/);
    expect(() => edgeConfig({ ORIGIN_URL: 'http://o.test', SIGNED_URLS: 'required' })).toThrow(/SIGNING_KEYS/);
    expect(() => edgeConfig({})).toThrow(/ORIGIN_URL/);
    const response = await edgeFetch(env, `/img/${freshId()}/w_10`);
    expect(response.status).toBe(503);
    expect((await problemOf(response)).code).toBe('unavailable');
  });
});
