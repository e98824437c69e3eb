import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnOrigin, type SpawnedOrigin } from './helpers/origin.ts';

const MiB = 1024 * 1024;

/** Samples the server's RSS while `work` runs; returns the peak growth over the baseline. */
async function rssGrowthDuring<T>(origin: SpawnedOrigin, work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = await origin.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    origin.rss().then((rss) => (peak = Math.max(peak, rss)), () => undefined);
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, await origin.rss());
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

describe('memory stays flat while large bodies stream through', () => {
  let origin: SpawnedOrigin;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-mem-'));
    origin = await spawnOrigin({ DATA_DIR: join(dir, 'data'), MAX_UPLOAD_BYTES: String(100 * MiB) });
    // Warm up: the first upload loads sharp and the database; that is not growth per body.
    const warm = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    expect((await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: warm })).status).toBe(201);
  });
  afterAll(async () => {
    await origin.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a 90 MiB image with the server RSS growing by less than 64 MiB', async () => {
    const path = join(dir, 'big.jpg');
    await sharp({ create: { width: 5750, height: 5750, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 80 } } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toFile(path);
    const { size } = await stat(path);
    expect(size).toBeGreaterThan(85 * MiB);
    expect(size).toBeLessThan(100 * MiB);

    const { result: response, growth } = await rssGrowthDuring(origin, () =>
      fetch(`${origin.url}/v1/images`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: Readable.toWeb(createReadStream(path)) as ReadableStream,
        duplex: 'half',
      } as RequestInit),
    );
    const body = (await response.json()) as { width: number; bytes: number };
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ width: 5750, bytes: size });
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('refuses a 1 GiB body against the 100 MiB limit with 413, RSS growing by less than 64 MiB', async () => {
    const chunk = Buffer.alloc(MiB, 0xab);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024 * MiB) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const { result: status, growth } = await rssGrowthDuring(origin, async () => {
      const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit);
      expect(((await response.json()) as { code: string }).code).toBe('payload_too_large');
      return response.status;
    });
    expect(status).toBe(413);
    expect(sent).toBeLessThan(1024 * MiB); // the server stopped the transfer early
    expect(growth).toBeLessThan(64 * MiB);
    expect((await fetch(`${origin.url}/healthz`)).status).toBe(200);
  });
});
