import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * Issue 20 decision 1 on a real origin with a tiny memory budget (RENDER_MEMORY_MB=64): a 100 px
 * SVG rendered at w_4000 as AVIF is a 16 MP raster and canvas, estimated at ~390 MiB (the RGBA
 * raster plus 20 B a pixel of AVIF encode) and ~7 s (AVIF's time per megapixel of a picture), so
 * it runs alone; small renders queue behind it (first in, first out) and a request whose
 * estimated wait passes RENDER_TIMEOUT_MS (10 s) is refused at once with 503. The SVG is one
 * colour, so the render really takes about a second and never reaches the deadline itself.
 */
describe('render admission over HTTP', () => {
  let origin: TestOrigin;
  let id: string;
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${origin.url}/metrics`)).text();
    const match = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]);
  };

  beforeAll(async () => {
    origin = await startTestOrigin({ RENDER_MEMORY_MB: '64', RENDER_CONCURRENCY: '4', RENDER_TIMEOUT_MS: '10000' });
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100" fill="#336699"/></svg>';
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/svg+xml' }, body: svg });
    expect(response.status).toBe(201);
    id = ((await response.json()) as { id: string }).id;
  });
  afterAll(() => origin.destroy());

  it('runs a render over the budget alone, queues the others behind it, and refuses a wait past the deadline', async () => {
    const finished: string[] = [];
    const get = (name: string, ops: string) =>
      fetch(`${origin.url}/img/${id}/${ops}`).then(async (response) => {
        const body = Buffer.from(await response.arrayBuffer());
        finished.push(name);
        return { response, body };
      });

    const large = get('large', 'w_4000,f_avif');
    await waitFor(async () => (await metric('pixelfront_renders_in_flight')) === 1 || undefined, 10_000);
    expect(await metric('pixelfront_render_memory_bytes')).toBeGreaterThan(64 * 1024 * 1024);
    expect(await metric('pixelfront_render_memory_budget_bytes')).toBe(64 * 1024 * 1024);

    // Fits the budget by itself, but nothing starts beside a render over it.
    const small = get('small', 'w_50,f_jpeg');
    await waitFor(async () => (await metric('pixelfront_render_queue_length')) === 1 || undefined, 5_000);
    const second = get('second', 'w_3999,f_avif');
    await waitFor(async () => (await metric('pixelfront_render_queue_length')) === 2 || undefined, 5_000);
    expect(await metric('pixelfront_renders_in_flight')).toBe(1);
    expect(await metric('pixelfront_render_queued_memory_bytes')).toBeGreaterThan(64 * 1024 * 1024);

    // Behind ~7 s of the large render and ~7 s of the second one: refused at once.
    const refused = await fetch(`${origin.url}/img/${id}/w_40,f_jpeg`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe('overloaded');
    expect(problem.detail).toContain('RENDER_TIMEOUT_MS');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(10);

    const results = await Promise.all([large, small, second]);
    for (const { response } of results) expect(response.status).toBe(200);
    expect((await sharp(results[0].body).metadata()).format).toBe('heif');
    // First in, first out: the small render waited for the large one, the second for the small one.
    expect(finished).toEqual(['large', 'small', 'second']);
    const queued = /queue;dur=([\d.]+)/.exec(results[1].response.headers.get('server-timing') ?? '');
    expect(Number(queued?.[1])).toBeGreaterThan(100);

    expect(await metric('pixelfront_render_admissions_total{outcome="alone"}')).toBe(2);
    expect(await metric('pixelfront_render_admissions_total{outcome="refused_deadline"}')).toBe(1);
    expect(await metric('pixelfront_render_admissions_total{outcome="queued"}')).toBe(2);
    expect(await metric('pixelfront_render_memory_bytes')).toBe(0);
  }, 60_000);
});
