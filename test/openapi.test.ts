import { Validator } from '@seriousme/openapi-schema-validator';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../origin/app.ts';
import { openApiDocument } from '../origin/openapi/document.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { ResponseChecker, type Recorded } from './helpers/openapi.ts';
import { readmeShellBlocks, runExample } from './helpers/readme.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * The OpenAPI contract (issue 16): the document is valid OpenAPI 3.1, it lists exactly the routes
 * the app mounts, and real responses of a scripted session validate against its schemas.
 */

const KEY = 'acme-openapi-key';
const ADMIN_KEY = 'ops-openapi-admin-key';
const EDGE_SECRET = 'edge-openapi-stats-secret';
const auth = { authorization: `Bearer ${KEY}` };
const document = openApiDocument();

/** Hono's `/v1/images/:id` and `/console/*` as the document writes them. */
const asTemplate = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}');

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by the specification schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every error code of the catalogue', () => {
    const problem = (document['components'] as { schemas: Record<string, { properties: { code: { enum: string[] } } }> }).schemas[
      'Problem'
    ];
    expect(problem?.properties.code.enum).toContain('invalid_transform');
    expect(problem?.properties.code.enum).toContain('gateway_timeout');
  });

  it('describes the /img grammar from the op registry', () => {
    const ops = (
      document.paths['/img/{id}/{ops}']?.['get'] as { parameters: { name: string; description: string; schema: { pattern: string } }[] }
    ).parameters.find((parameter) => parameter.name === 'ops');
    expect(ops?.description).toContain('| `wm` |');
    const pattern = new RegExp(ops?.schema.pattern ?? '$^');
    expect(pattern.test('c_fill,w_800,h_450,f_auto')).toBe(true);
    expect(pattern.test('zz_1')).toBe(false);
  });
});

describe('the documented responses', () => {
  let origin: TestOrigin;
  const recorded: Recorded[] = [];

  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: `acme:${KEY}`, ADMIN_KEYS: `ops:${ADMIN_KEY}`, EDGE_STATS_SECRET: EDGE_SECRET });
  });
  afterAll(async () => {
    await origin.destroy();
  });

  it('lists exactly the routes the app mounts', () => {
    const app = createApp(origin.services);
    const mounted = new Set(
      app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${asTemplate(route.path)}`),
    );
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...mounted].sort()).toEqual([...documented].sort());
  });

  it('serves the reference page from the package, with no inline script and a strict CSP', async () => {
    const page = await fetch(`${origin.url}/docs`);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(body.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes)?.[1] ?? '';
      expect(src).toMatch(/^\/docs\//);
      const script = await fetch(`${origin.url}${src}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await script.text()).length).toBeGreaterThan(0);
    }
    expect(html).not.toMatch(/https?:\/\//);
    const css = await fetch(`${origin.url}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(await fetch(`${origin.url}/docs/start.js`).then((response) => response.text())).toContain("'/v1/openapi.json'");
  });

  it('README: the example lists the documented paths', async () => {
    const [example = ''] = (await readmeShellBlocks('api')).filter((block) => block.includes('/v1/openapi.json'));
    const run = await runExample(example, origin.url, origin.dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual(Object.keys(document.paths).sort());
  });

  /** A request through the running server, recorded for the check below. */
  async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: RequestInit['body'] } = {}) {
    const response = await fetch(`${origin.url}${path}`, { method, redirect: 'manual', ...init });
    const body = method === 'HEAD' ? '' : await response.text();
    recorded.push({
      method,
      path: path.split('?')[0] ?? path,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body,
    });
    return { status: response.status, headers: response.headers, json: () => JSON.parse(body) as Record<string, unknown> };
  }
  const json = (value: unknown) => ({ headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(value) });

  it('answers a scripted session that validates against the document', async () => {
    const png = (background: string) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background } })
        .png()
        .toBuffer();
    const image = await png('#3a7');

    for (const path of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/v1/openapi.json',
      '/docs',
      '/docs/start.js',
      '/docs/nothing.js',
      '/',
      '/console',
      '/console/',
    ]) {
      await call('GET', path);
    }

    await call('POST', '/v1/sessions', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'wrong' }) });
    await call('POST', '/v1/sessions', { headers: { 'content-type': 'text/plain' }, body: 'key' });
    const session = await call('POST', '/v1/sessions', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: KEY }),
    });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    await call('GET', '/v1/sessions/current', { headers: { cookie } });
    await call('GET', '/v1/sessions/current', { headers: auth });
    await call('DELETE', '/v1/sessions/current', { headers: { cookie } });
    await call('DELETE', '/v1/sessions/current', { headers: { cookie, 'x-pixelfront-csrf': String(session.json()['csrfToken']) } });

    await call('GET', '/v1/images');
    const created = await call('POST', '/v1/images?filename=a.png&title=Harbour&tags=sea,dawn', {
      headers: { ...auth, 'content-type': 'image/png' },
      body: image,
    });
    expect(created.status).toBe(201);
    const id = String(created.json()['id']);
    const createdSha = String(created.json()['sha256']);
    await call('POST', '/v1/images', { headers: { ...auth, 'content-type': 'image/png' }, body: image });
    await call('POST', '/v1/images', { headers: { ...auth, 'content-type': 'text/plain' }, body: 'not an image' });
    await call('POST', '/v1/images', { headers: { ...auth, 'content-type': 'image/png' }, body: Buffer.from('\x89PNG\r\n\x1a\nbroken') });
    await call('POST', '/v1/images?eager=no-such-preset', { headers: { ...auth, 'content-type': 'image/png' }, body: image });
    const form = new FormData();
    form.append('files', new Blob([await png('#a37')], { type: 'image/png' }), 'b.png');
    form.append('files', new Blob(['not an image'], { type: 'text/plain' }), 'c.txt');
    await call('POST', '/v1/images', { headers: auth, body: form });
    await call('GET', '/v1/images?limit=1', { headers: auth });
    await call('GET', '/v1/images?limit=0', { headers: auth });
    await call('GET', `/v1/images/${id}`, { headers: auth });
    await call('GET', '/v1/images/nosuchimage1', { headers: auth });
    await call('GET', `/v1/images/${id}/similar?maxDistance=12`, { headers: auth });
    await call('GET', `/v1/images/${id}/similar?maxDistance=99`, { headers: auth });
    await call('GET', '/v1/images/nosuchimage1/similar', { headers: auth });
    // A picture with a shape, and a smaller copy of it: a near duplicate, refused with duplicates=reject.
    const shape = (width: number) =>
      sharp(
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="60"><rect width="80" height="60" fill="#fff"/><circle cx="25" cy="30" r="18" fill="#135"/></svg>',
        ),
      )
        .resize(width)
        .png()
        .toBuffer();
    await call('POST', '/v1/images', { headers: { ...auth, 'content-type': 'image/png' }, body: await shape(80) });
    await call('POST', '/v1/images?duplicates=reject', { headers: { ...auth, 'content-type': 'image/png' }, body: await shape(60) });
    await call('PATCH', `/v1/images/${id}`, json({ alt: 'a harbour at dawn', meta: { camera: 'x100' } }));
    await call('PATCH', `/v1/images/${id}`, json({ width: 3 }));

    await call('PUT', '/v1/watermarks/logo', { headers: auth, body: await png('#fff') });
    await call('PUT', '/v1/watermarks/logo', { headers: auth, body: await png('#fff') });
    await call('PUT', '/v1/watermarks/logo', { headers: auth, body: await png('#000') });
    await call('GET', '/v1/watermarks', { headers: auth });
    await call('GET', '/v1/watermarks?limit=0', { headers: auth });
    await call('GET', '/v1/watermarks/logo', { headers: auth });
    await call('PUT', '/v1/watermarks/gone', { headers: auth, body: await png('#000') });
    await call('DELETE', '/v1/watermarks/gone', { headers: auth });
    await call('DELETE', '/v1/watermarks/gone', { headers: auth });

    const upload = await call('POST', '/v1/uploads', json({ filename: 'big.png' }));
    const uploadId = String(upload.json()['uploadId']);
    await call('POST', '/v1/uploads', json({ partSize: 1 }));
    await call('PUT', `/v1/uploads/${uploadId}/parts/1`, {
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: await png('#337'),
    });
    await call('GET', `/v1/uploads/${uploadId}`, { headers: auth });
    await call('GET', '/v1/uploads', { headers: auth });
    await call('POST', `/v1/uploads/${uploadId}/complete`, json({}));
    await call('GET', `/v1/uploads/${uploadId}`, { headers: auth });
    await call('PUT', `/v1/uploads/${uploadId}/parts/2`, { headers: auth, body: 'late' });
    const aborted = await call('POST', '/v1/uploads', json({}));
    await call('DELETE', `/v1/uploads/${String(aborted.json()['uploadId'])}`, { headers: auth });
    await call('GET', '/v1/uploads/nosuchupload', { headers: auth });

    const batch = await call('POST', '/v1/batches', json({ presets: ['thumb'], images: [id] }));
    const batchId = String(batch.json()['id']);
    await call('GET', `/v1/batches/${batchId}/archive`, { headers: auth });
    await waitFor(
      async () => ((await call('GET', `/v1/batches/${batchId}`, { headers: auth })).json()['state'] === 'completed' ? true : undefined),
      20_000,
    );
    await call('GET', `/v1/batches/${batchId}/archive`, { headers: auth });
    await call('POST', '/v1/batches', json({ presets: ['no-such-preset'] }));
    await call('GET', '/v1/batches/b_nosuchbatch', { headers: auth });
    await call('GET', '/v1/batches?limit=1', { headers: auth });
    await call('GET', '/v1/batches?cursor=tampered', { headers: auth });

    await call('GET', '/v1/stats', { headers: auth });
    await call('GET', '/v1/stats?groupBy=week,preset&format=csv', { headers: auth });
    await call('GET', `/v1/images?sha256=${createdSha}`, { headers: auth });
    await call('GET', '/v1/stats?from=yesterday', { headers: auth });
    await call('GET', '/v1/presets', { headers: auth });
    await call('POST', '/v1/sign', json({ paths: [`/img/${id}/w_20`] }));
    await call('POST', '/v1/sign', json({ paths: [`/img/${id}/zz_1`] }));

    const original = await call('GET', `/img/${id}`);
    await call('GET', `/img/${id}`, { headers: { 'if-none-match': original.headers.get('etag') ?? '' } });
    await call('GET', `/img/${id}/w_20,f_webp`);
    await call('GET', `/img/${id}/t_thumb/harbour.png`);
    await call('GET', `/img/${id}/zz_1`);
    await call('GET', '/img/nosuchimage1/w_20');

    await call('GET', '/v1/stats/top?by=bytes&limit=5', { headers: auth });
    await call('GET', '/v1/stats/top?format=csv', { headers: auth });
    await call('GET', '/v1/stats/top?limit=0', { headers: auth });
    await call('GET', '/v1/stats/storage', { headers: auth });
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    await call('GET', '/v1/admin/stats?groupBy=tenant,month', { headers: admin });
    await call('GET', '/v1/admin/stats?groupBy=hour', { headers: admin });
    await call('GET', '/v1/admin/tenants', { headers: admin });
    await call('GET', '/v1/admin/tenants', { headers: auth });
    await call('GET', '/v1/admin/tenants');
    const edgeCounts = { counts: [{ id, day: '2026-03-01', format: 'png', preset: 'thumb', hits: 2, hitBytes: 200, misses: 1 }] };
    const edgeHeaders = { authorization: `Bearer ${EDGE_SECRET}`, 'content-type': 'application/json' };
    await call('POST', '/v1/edge-stats', { headers: edgeHeaders, body: JSON.stringify(edgeCounts) });
    await call('POST', '/v1/edge-stats', { headers: edgeHeaders, body: JSON.stringify({ counts: [{ id }] }) });
    await call('POST', '/v1/edge-stats', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(edgeCounts) });

    await call('DELETE', `/v1/images/${id}`, { headers: auth });
    await call('DELETE', `/v1/images/${id}`, { headers: auth });

    const checker = new ResponseChecker(document);
    const wrong = recorded.map((response) => checker.check(response)).filter((problem) => problem !== undefined);
    expect(wrong).toEqual([]);
    // Every documented route answered at least once, so a new route needs a line above too.
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.filter((route) => !checker.seen.has(route))).toEqual([]);
  }, 60_000);
});
