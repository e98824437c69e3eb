import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtInPresets } from '../core/presets.ts';
import { autoQualityOps, extremeRatioOps, opsArbitrary } from '../core/grammar/testing/ops-arbitrary.ts';
import type { Env } from './env.ts';
import { edgeFetch, freshId, problemOf } from './testing/edge-fetch.ts';
import { FakeOrigin } from './testing/fake-origin.ts';

const ORIGIN = 'http://origin.test';

/**
 * Issue 14 item 10 through the edge's entry point (its path parser, grammar config and origin
 * request): every ops string the edge accepts goes to the origin as a canonical path, and that
 * path, asked of the edge, is accepted and sent on unchanged.
 */
describe('the canonical path at the edge', () => {
  let origin: FakeOrigin;
  const env: Env = { ORIGIN_URL: ORIGIN, SIGNED_URLS: 'off' };
  beforeEach(() => {
    origin = new FakeOrigin([ORIGIN]);
    // Not cacheable: each request reaches the origin, so the path the edge sends is seen every time.
    origin.on('/img/', () => new Response('no such image', { status: 404 }));
    origin.install();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('parses at the edge and is sent on unchanged, for every accepted spec of the grammar', async () => {
    const id = freshId();
    let accepted = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(opsArbitrary({ presets: builtInPresets, maxOutputDimension: 8192 }), async (ops) => {
        total += 1;
        const calls = origin.calls.length;
        const first = await edgeFetch(env, `/img/${id}/${ops}`);
        if (first.status === 400) {
          expect((await problemOf(first)).code, ops).toBe('invalid_transform');
          expect(origin.calls.length, `${ops}: a refused spec reached the origin`).toBe(calls);
          return;
        }
        expect(first.status, ops).toBe(404);
        accepted += 1;
        const canonical = origin.calls.at(-1)?.path as string;
        expect(canonical.startsWith(`/img/${id}`), ops).toBe(true);
        const again = await edgeFetch(env, canonical);
        expect(again.status, `${ops} → ${canonical}`).toBe(404);
        expect(origin.calls.at(-1)?.path, `${ops} → ${canonical}`).toBe(canonical);
      }),
      { numRuns: 300, examples: [...extremeRatioOps, ...autoQualityOps].map((ops) => [ops]) },
    );
    expect(accepted / total).toBeGreaterThan(0.3);
  });

  it('sends each q_auto level to the origin in its one canonical spelling', async () => {
    const id = freshId();
    const sent = async (ops: string) => {
      expect((await edgeFetch(env, `/img/${id}/${ops}`)).status, ops).toBe(404);
      return origin.calls.at(-1)?.path;
    };
    expect(await sent('q_auto:good,w_300')).toBe(`/img/${id}/w_300,q_auto`);
    expect(await sent('w_300,q_auto')).toBe(`/img/${id}/w_300,q_auto`);
    expect(await sent('f_webp,q_auto:eco')).toBe(`/img/${id}/q_auto:eco,f_webp`);
    expect(await sent('q_auto:best')).toBe(`/img/${id}/q_auto:best`);
    expect((await edgeFetch(env, `/img/${id}/q_auto:low`)).status).toBe(400);
  });
});
