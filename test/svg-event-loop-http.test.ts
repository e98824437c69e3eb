import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { manyElements } from './helpers/svg.ts';

/** Polls /healthz back to back until stopped; each answer's status and time. */
function pollHealth(base: string): { stop(): Promise<{ status: number; ms: number }[]> } {
  const samples: { status: number; ms: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${base}/healthz`);
      await response.arrayBuffer();
      samples.push({ status: response.status, ms: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

const summary = (samples: { ms: number }[]) => {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return `${samples.length} answers, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
};

/**
 * Issue 14 item 6: a large SVG is sanitised off the event loop, at upload and at render, while
 * /healthz keeps answering. SPEC section 8: the 100 ms figure is measured and reported; the test
 * asserts a generous 500 ms on this shared machine.
 */
describe('a large SVG and the event loop', () => {
  let origin: TestOrigin;
  // 12 MB and seconds of sanitising; not drawn, so the test's time goes to the sanitiser.
  const svg = manyElements(200_000, { drawn: false });
  beforeAll(async () => {
    origin = await startTestOrigin({ MAX_SVG_ELEMENTS: '300000', MAX_SVG_BYTES: String(32 * 1024 * 1024), RENDER_TIMEOUT_MS: '120000' });
  });
  afterAll(() => origin.destroy());

  it('keeps /healthz answering while 200,000 elements are uploaded and rendered', { timeout: 240_000 }, async () => {
    const poll = pollHealth(origin.url);
    const uploadStarted = performance.now();
    const uploaded = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/svg+xml' }, body: svg });
    const uploadMs = performance.now() - uploadStarted;
    const body = (await uploaded.json()) as { id: string; width: number };
    expect(uploaded.status, JSON.stringify(body)).toBe(201);
    const renderStarted = performance.now();
    const rendered = await fetch(`${origin.url}/img/${body.id}/w_300,f_png`);
    await rendered.arrayBuffer();
    const renderMs = performance.now() - renderStarted;
    expect(rendered.status).toBe(200);
    const samples = await poll.stop();
    console.log(`upload ${Math.round(uploadMs)} ms, first render ${Math.round(renderMs)} ms; /healthz meanwhile: ${summary(samples)}`);
    // Polled all along: one answer every ~20 ms plus its own time.
    expect(samples.length).toBeGreaterThan((uploadMs + renderMs) / 200);
    expect(samples.every((sample) => sample.status === 200)).toBe(true);
    expect(Math.max(...samples.map((sample) => sample.ms))).toBeLessThan(500);
  });
});

describe('the SVG caps', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ MAX_SVG_ELEMENTS: '1000', MAX_SVG_BYTES: '200000' });
  });
  afterAll(() => origin.destroy());

  const upload = async (body: Buffer) => {
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/svg+xml' }, body });
    return { status: response.status, body: (await response.json()) as { code: string; detail: string } };
  };

  it('refuses an SVG over MAX_SVG_ELEMENTS with 422 image_too_large, and one over MAX_SVG_BYTES with 413', async () => {
    const many = await upload(manyElements(1001));
    expect([many.status, many.body.code]).toEqual([422, 'image_too_large']);
    expect(many.body.detail).toContain('MAX_SVG_ELEMENTS');
    const large = await upload(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><desc>${'x'.repeat(200_001)}</desc></svg>`));
    expect([large.status, large.body.code]).toEqual([413, 'payload_too_large']);
    expect(large.body.detail).toContain('MAX_SVG_BYTES');
    expect((await upload(manyElements(999))).status).toBe(201);
  });

  it('applies the same caps at render, to an SVG stored under higher ones', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-svg-caps-'));
    const generous = await startTestOrigin({ DATA_DIR: dataDir, MAX_SVG_ELEMENTS: '5000' });
    const stored = await fetch(`${generous.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'image/svg+xml' },
      body: manyElements(2000),
    });
    expect(stored.status).toBe(201);
    const { id } = (await stored.json()) as { id: string };
    await generous.close();
    const strict = await startTestOrigin({ DATA_DIR: dataDir, MAX_SVG_ELEMENTS: '1000' });
    try {
      for (const path of [`/img/${id}/w_50`, `/img/${id}`]) {
        const response = await fetch(`${strict.url}${path}`);
        expect([response.status, ((await response.json()) as { code: string }).code], path).toEqual([422, 'image_too_large']);
      }
    } finally {
      await strict.destroy();
    }
  });
});
