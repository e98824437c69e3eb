import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../origin/logger.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { send } from './helpers/robustness.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * Issue 16, logs: a real origin whose logger writes into this test. One `request` line per
 * request, with the route pattern (never the ids of the path), and the request id on every line
 * written for that request; LOG_ACCESS=false turns the access lines off.
 */
type Line = Record<string, unknown>;

const KEY = 'acme-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

async function startLoggedOrigin(env: Record<string, string> = {}) {
  const lines: Line[] = [];
  const origin = await startTestOrigin(
    { API_KEYS: `acme:${KEY}`, ...env },
    createLogger('info', (line) => lines.push(JSON.parse(line) as Line)),
  );
  return { origin, lines };
}

async function png(): Promise<Buffer> {
  return sharp({ create: { width: 60, height: 40, channels: 3, background: '#48c' } })
    .png()
    .toBuffer();
}

describe('access log', () => {
  let origin: TestOrigin;
  let lines: Line[];
  beforeAll(async () => {
    ({ origin, lines } = await startLoggedOrigin());
  });
  afterAll(() => origin.destroy());

  /** The access line of the request with this id; it is written once the response is done. */
  const accessLine = (requestId: string) =>
    waitFor(() => lines.find((line) => line['msg'] === 'request' && line['requestId'] === requestId), 5_000, `access line ${requestId}`);

  it('writes method, route pattern, status, duration, bytes, tenant and the request id', async () => {
    const response = await fetch(`${origin.url}/v1/images/SecretImageId123`, { headers: { ...auth, 'x-request-id': 'trace-404' } });
    const body = await response.arrayBuffer();
    expect(response.status).toBe(404);
    const line = await accessLine('trace-404');
    expect(line).toEqual({
      level: 'info',
      time: expect.any(String),
      msg: 'request',
      requestId: 'trace-404',
      method: 'GET',
      route: '/v1/images/:id',
      status: 404,
      durationMs: expect.any(Number),
      bytes: body.byteLength,
      tenant: 'acme',
      variantSource: null,
    });
    expect(JSON.stringify(line)).not.toContain('SecretImageId123');
  });

  it('names the variant source of deliveries and counts the bytes of the image', async () => {
    const upload = await fetch(`${origin.url}/v1/images`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'image/png', 'x-request-id': 'trace-upload' },
      body: await png(),
    });
    const { id } = (await upload.json()) as { id: string };
    expect(upload.status).toBe(201);
    expect(await accessLine('trace-upload')).toMatchObject({ method: 'POST', route: '/v1/images', status: 201, tenant: 'acme' });

    for (const [requestId, source] of [
      ['trace-render', 'render'],
      ['trace-memory', 'memory'],
    ] as const) {
      const response = await fetch(`${origin.url}/img/${id}/w_30/name.png`, { headers: { 'x-request-id': requestId } });
      const bytes = (await response.arrayBuffer()).byteLength;
      expect(response.headers.get('x-variant-source')).toBe(source);
      const line = await accessLine(requestId);
      expect(line).toMatchObject({ method: 'GET', route: '/img/:id/:ops/:name', status: 200, bytes, variantSource: source, tenant: null });
      expect(JSON.stringify(line)).not.toContain(id);
    }
  });

  it('logs refusals too: 401 with the route it was for, unrouted 404s and pre-routing 400s without one', async () => {
    await (await fetch(`${origin.url}/v1/images`, { headers: { 'x-request-id': 'trace-401' } })).arrayBuffer();
    expect(await accessLine('trace-401')).toMatchObject({ route: '/v1/images', status: 401, tenant: null });

    await (await fetch(`${origin.url}/no/such/route`, { headers: { 'x-request-id': 'trace-unrouted' } })).arrayBuffer();
    expect(await accessLine('trace-unrouted')).toMatchObject({ route: null, status: 404 });

    const dotted = await send(origin.url, { path: '/img/%2e%2e/metrics', headers: { 'x-request-id': 'trace-dots' } });
    expect(dotted.status).toBe(400);
    expect(await accessLine('trace-dots')).toMatchObject({ method: 'GET', route: null, status: 400, bytes: dotted.body.length });

    const generated = await fetch(`${origin.url}/healthz`);
    await generated.arrayBuffer();
    expect(await accessLine(generated.headers.get('x-request-id') ?? '')).toMatchObject({ route: '/healthz', status: 200 });
  });

  it("writes the request id into the request's other lines, and the batch and job ids into its jobs' lines", async () => {
    const created = await fetch(`${origin.url}/v1/batches`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'trace-batch' },
      body: JSON.stringify({ transforms: ['w_20', 'w_25'] }),
    });
    expect(created.status).toBe(202);
    const { id: batchId } = (await created.json()) as { id: string };
    expect(await accessLine('trace-batch')).toMatchObject({ route: '/v1/batches', status: 202 });
    expect(lines.find((line) => line['msg'] === 'batch queued')).toMatchObject({ requestId: 'trace-batch', batchId, tenant: 'acme' });

    const jobs = await waitFor(() => {
      const found = lines.filter((line) => line['msg'] === 'job' && line['batchId'] === batchId);
      return found.length >= 2 ? found : undefined;
    }, 20_000);
    expect(jobs.map((line) => line['outcome'])).toEqual(['done', 'done']);
    expect(new Set(jobs.map((line) => line['jobId'])).size).toBe(2);
    expect(jobs.map((line) => line['ops']).sort()).toEqual(['w_20', 'w_25']);
  });
});

describe('LOG_ACCESS=false', () => {
  it('keeps the other lines and writes no access line', async () => {
    const { origin, lines } = await startLoggedOrigin({ LOG_ACCESS: 'false' });
    try {
      const response = await fetch(`${origin.url}/v1/images`, { headers: auth });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      await (await fetch(`${origin.url}/healthz`)).arrayBuffer();
      const batch = await fetch(`${origin.url}/v1/batches`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ transforms: ['w_20'] }),
      });
      expect(batch.status).toBe(202);
      // Give a late access line every chance to appear before asserting there is none.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(lines.filter((line) => line['msg'] === 'request')).toEqual([]);
      expect(lines.map((line) => line['msg'])).toContain('batch queued');
    } finally {
      await origin.destroy();
    }
  });
});
