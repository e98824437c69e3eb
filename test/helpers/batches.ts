import sharp from 'sharp';
import { expect } from 'vitest';
import { startTestOrigin, type TestOrigin } from './origin.ts';
import { testRedisUrl } from './redis.ts';
import { waitFor } from './wait-for.ts';
import type { BatchProgress } from '../../origin/batches/batch-store.ts';

/** Test fixtures and clients for the batch API, shared by the in-process, Redis and restart suites. */

export const json = { 'content-type': 'application/json' };

/** A distinct photo-like PNG per index (noise, so renders take real work and never dedupe). */
export async function fixture(index: number, width = 640, height = 480): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (index * 37) % 256, g: 90, b: 160 },
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .png()
    .toBuffer();
}

export async function upload(
  url: string,
  body: Buffer,
  options: { filename?: string; eager?: string; headers?: Record<string, string> } = {},
) {
  const query = new URLSearchParams();
  if (options.filename !== undefined) query.set('filename', options.filename);
  if (options.eager !== undefined) query.set('eager', options.eager);
  const response = await fetch(`${url}/v1/images?${query.toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', ...options.headers },
    body,
  });
  const image = (await response.json()) as { id: string; filename: string | null };
  expect(response.status, JSON.stringify(image)).toBeLessThan(300);
  return image;
}

export async function uploadMany(url: string, count: number, options: { size?: [number, number]; headers?: Record<string, string> } = {}) {
  const [width, height] = options.size ?? [640, 480];
  const images = [];
  for (let index = 0; index < count; index += 1) {
    images.push(await upload(url, await fixture(index, width, height), { filename: `photo-${index}.png`, headers: options.headers }));
  }
  return images;
}

export async function createBatch(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/batches`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function progress(url: string, id: string, headers: Record<string, string> = {}): Promise<BatchProgress> {
  const response = await fetch(`${url}/v1/batches/${id}`, { headers });
  const body = (await response.json()) as BatchProgress;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Polls until the batch finished, checking on the way that progress never goes back. */
export async function waitForBatch(
  url: () => string,
  id: string,
  options: { headers?: Record<string, string>; timeoutMs?: number; history?: BatchProgress[] } = {},
) {
  const history = options.history ?? [];
  return waitFor(
    async () => {
      const current = await progress(url(), id, options.headers).catch(() => undefined);
      if (current === undefined) return undefined; // the origin is restarting
      const previous = history.at(-1);
      if (previous !== undefined) {
        expect(current.done).toBeGreaterThanOrEqual(previous.done);
        expect(current.failed).toBeGreaterThanOrEqual(previous.failed);
      }
      history.push(current);
      return current.state === 'completed' || current.state === 'failed' ? current : undefined;
    },
    options.timeoutMs ?? 120_000,
    `batch ${id} to finish`,
  );
}

export async function archive(url: string, id: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/batches/${id}/archive`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/zip');
  return readZip(Buffer.from(await response.arrayBuffer()));
}

/**
 * The entries of a stored (uncompressed) ZIP, read from its central directory; enough to check
 * names and decode the images without an unzip dependency.
 */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a ZIP: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`bad central directory entry ${index}`);
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (method !== 0) throw new Error(`entry ${name} is compressed (method ${method}); expected stored`);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.set(name, zip.subarray(dataStart, dataStart + size));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An origin whose queue is BullMQ on the test Redis under `prefix`, once its queue connection answers. */
export async function startRedisOrigin(dataDir: string, prefix: string, env: Record<string, string> = {}): Promise<TestOrigin> {
  const origin = await startTestOrigin({ DATA_DIR: dataDir, REDIS_URL: testRedisUrl, QUEUE_PREFIX: prefix, ...env });
  await waitFor(
    () =>
      origin.services.queue.ping().then(
        () => true,
        () => undefined,
      ),
    10_000,
    'the queue connection',
  );
  return origin;
}
