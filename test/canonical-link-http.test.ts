import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPresets } from '../core/presets.ts';
import { extremeRatioOps, opsArbitrary } from '../core/grammar/testing/ops-arbitrary.ts';
import { uploadPng } from './helpers/origin.ts';
import { runs, startWatchedOrigin, type WatchedOrigin } from './helpers/robustness.ts';

/**
 * Issue 14 item 10 through the origin's own entry point (the /img route and its parser): for every
 * ops string the origin accepts, the canonical `Link` it answers with is accepted too, and names
 * itself. `If-None-Match: *` makes the origin answer 304 with the Link after parsing and the
 * image lookup, without rendering, so thousands of specs cost milliseconds each.
 */
describe('the canonical Link of the origin', () => {
  let origin: WatchedOrigin;
  let id: string;
  beforeAll(async () => {
    origin = await startWatchedOrigin();
    id = await uploadPng(origin.url);
  });
  afterAll(() => origin.destroy());

  const ask = (path: string) => fetch(`${origin.url}${path}`, { headers: { 'if-none-match': '*' } });
  const linkOf = (response: Response) => /^<([^>]*)>; rel="canonical"$/.exec(response.headers.get('link') ?? '')?.[1];

  it('parses at the origin and is its own canonical link, for every accepted spec of the grammar', async () => {
    let accepted = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(opsArbitrary({ presets: builtInPresets, maxOutputDimension: 8192 }), async (ops) => {
        total += 1;
        const first = await ask(`/img/${id}/${ops}`);
        if (first.status === 400) {
          expect(((await first.json()) as { code: string }).code).toBe('invalid_transform');
          return;
        }
        expect(first.status, ops).toBe(304);
        accepted += 1;
        const link = linkOf(first);
        expect(link, ops).toBeDefined();
        const again = await ask(link as string);
        expect(again.status, `${ops} → ${String(link)}`).toBe(304);
        expect(linkOf(again), `${ops} → ${String(link)}`).toBe(link);
      }),
      { numRuns: runs(400), examples: extremeRatioOps.map((ops) => [ops]) },
    );
    expect(accepted / total).toBeGreaterThan(0.3);
    expect(origin.errors).toEqual([]);
  });
});
