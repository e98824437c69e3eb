import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startTestOrigin, type TestOrigin } from './helpers/origin.ts';

const bundle = `console.log(${JSON.stringify('x'.repeat(4000))});`;

describe('the console at /console/ (a build in CONSOLE_DIR)', () => {
  let origin: TestOrigin;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-console-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/index-abc123.js"></script>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), bundle);
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    origin = await startTestOrigin({ CONSOLE_DIR: dir });
  });
  afterAll(async () => {
    await origin.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('redirects / and /console to /console/', async () => {
    const root = await fetch(`${origin.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const bare = await fetch(`${origin.url}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('serves index.html with no-cache, a strong ETag and the strict CSP, and answers 304 to it', async () => {
    const page = await fetch(`${origin.url}/console/`, { headers: { 'accept-encoding': 'identity' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' blob: data:");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('index-abc123.js');
    const etag = page.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${origin.url}/console/`, { headers: { 'if-none-match': etag, 'accept-encoding': 'identity' } });
    expect(again.status).toBe(304);
  });

  it("answers the page's own routes with index.html, so a reload keeps the view", async () => {
    for (const path of ['/console/images/abcdefgh12', '/console/stats', '/console/build/x']) {
      const page = await fetch(`${origin.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toContain('index-abc123.js');
    }
  });

  it('serves hashed assets for a year, gzipped when asked, and other files with no-cache', async () => {
    const script = await fetch(`${origin.url}/console/assets/index-abc123.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(bundle);

    const zipped = await fetch(`${origin.url}/console/assets/index-abc123.js`, {
      headers: { 'accept-encoding': 'gzip' },
      decompress: false,
    } as RequestInit);
    expect(zipped.headers.get('content-encoding')).toBe('gzip');

    const icon = await fetch(`${origin.url}/console/favicon.svg`);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers 404 problems for unknown or unsafe asset paths', async () => {
    for (const path of ['/console/assets/nope-123.js', '/console/assets/%2e%2e/%2e%2e/package.json', '/console/assets/a%2fb.js']) {
      const response = await fetch(`${origin.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('belongs to the api role', async () => {
    const delivery = await startTestOrigin({ CONSOLE_DIR: dir, ROLES: 'delivery' });
    try {
      expect((await fetch(`${delivery.url}/console/`)).status).toBe(421);
    } finally {
      await delivery.destroy();
    }
  });

  it('says how to build it when the build is missing (503, not a crash)', async () => {
    const bare = await startTestOrigin({ CONSOLE_DIR: join(dir, 'missing') });
    try {
      const response = await fetch(`${bare.url}/console/`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/console:build/);
    } finally {
      await bare.destroy();
    }
  });
});

/** The real build that `npm install` made (prepare): no inline script, and the budget. */
describe('the built console (console/dist)', () => {
  const dist = join(repoRoot, 'console', 'dist');

  it('exists: npm install builds it', () => {
    expect(existsSync(join(dist, 'index.html')), 'run npm run console:build').toBe(true);
  });

  it('has no inline script and only hashed assets', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/console\/assets\/[\w.-]+-[\w-]{8}\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it("keeps the first view's JavaScript within 300 KB gzipped", () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const first = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[\w.-]+\.js)"/g)].map((match) => match[1] ?? '');
    const gzipped = first.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file)), { level: 9 }).length, 0);
    console.log(`console first view: ${first.length} script(s), ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
    expect(gzipped).toBeLessThan(300 * 1024);
  });

  it('loads the upload widget (Uppy) on demand: a chunk of its own, not in the first view', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const first = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[\w.-]+\.(?:js|css))"/g)].map((match) => match[1] ?? '');
    for (const file of first) expect(readFileSync(join(dist, file), 'utf8'), file).not.toContain('uppy-Dashboard');
    const chunk = readdirSync(join(dist, 'assets')).filter((name) => /^create-uploader-[\w-]+\.(js|css)$/.test(name));
    expect(chunk.filter((name) => name.endsWith('.js'))).toHaveLength(1);
    const size = (ext: string) =>
      chunk
        .filter((name) => name.endsWith(ext))
        .reduce((sum, name) => sum + gzipSync(readFileSync(join(dist, 'assets', name)), { level: 9 }).length, 0);
    console.log(`console upload widget: ${(size('.js') / 1024).toFixed(1)} KiB JS + ${(size('.css') / 1024).toFixed(1)} KiB CSS gzipped`);
  });
});
