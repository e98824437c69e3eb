import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from './helpers/corpus.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/**
 * Issue 19, content-aware quality, on a real origin: a `q_auto` variant is a valid image of the
 * asked size, the levels differ in the expected order, and it is stored and cached like any other.
 */
describe.skipIf(!hasCorpus)('q_auto over HTTP', () => {
  let dataDir: string;
  let origin: TestOrigin;
  let id: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-q-auto-'));
    origin = await startTestOrigin({ DATA_DIR: dataDir });
    const response = await fetch(`${origin.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: await readFile(`${corpusDir}valid/jpeg_baseline_photo_2725x2225.jpg`),
    });
    expect(response.status).toBe(201);
    id = ((await response.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await origin.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = async (ops: string) => {
    const response = await fetch(`${origin.url}/img/${id}/${ops}`);
    expect(response.status, ops).toBe(200);
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  };

  it.each(['jpeg', 'webp', 'avif'] as const)(
    'f_%s: every level is a valid image of the right size, eco < good < best in bytes',
    async (format) => {
      const sizes: number[] = [];
      for (const level of ['q_auto:eco', 'q_auto', 'q_auto:best']) {
        const { response, body } = await get(`w_500,${level},f_${format}`);
        expect(response.headers.get('content-type')).toBe(`image/${format}`);
        const meta = await sharp(body).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual([format === 'avif' ? 'heif' : format, 500, 408]);
        // Decodes to its end, not only its header.
        expect((await sharp(body).raw().toBuffer()).length).toBe(500 * 408 * 3);
        sizes.push(body.length);
      }
      const [eco, good, best] = sizes as [number, number, number];
      expect(eco).toBeLessThan(good);
      expect(good).toBeLessThan(best);
    },
  );

  it('q_auto:good and q_auto are one variant, apart from the default quality', async () => {
    const good = await get('w_320,q_auto:good');
    expect(good.response.headers.get('link')).toBe(`</img/${id}/w_320,q_auto>; rel="canonical"`);
    expect(good.response.headers.get('x-variant-source')).toBe('render');
    const auto = await get('q_auto,w_0320');
    expect(auto.response.headers.get('x-variant-source')).toBe('memory');
    expect(auto.body.equals(good.body)).toBe(true);
    expect(auto.response.headers.get('etag')).toBe(good.response.headers.get('etag'));
    const plain = await get('w_320');
    expect(plain.response.headers.get('x-variant-source')).toBe('render');
    expect(plain.body.equals(good.body)).toBe(false);
  });

  it('is stored: after a restart the same bytes come from storage, not a new search', async () => {
    const path = 'w_410,q_auto:eco,f_webp';
    const before = await get(path);
    expect(before.response.headers.get('x-variant-source')).toBe('render');
    await origin.close();
    origin = await startTestOrigin({ DATA_DIR: dataDir });
    const after = await get(path);
    expect(after.response.headers.get('x-variant-source')).toBe('storage');
    expect(after.body.equals(before.body)).toBe(true);
  });

  it('refuses an unknown level with 400 naming the item', async () => {
    const response = await fetch(`${origin.url}/img/${id}/w_300,q_auto:low`);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('invalid_transform');
    expect(problem.detail).toContain('q_auto:low');
  });
});
