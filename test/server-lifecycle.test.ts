import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './helpers/config.ts';
import { startOrigin } from '../origin/server.ts';
import { repoRoot, spawnOrigin } from './helpers/origin.ts';

describe('origin process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-life-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses to start on bad configuration, one line per problem', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'origin/main.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dir, PORT: 'x', SIGNED_URLS: 'sometimes' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((line) => line.startsWith('config: PORT:'))).toBe(true);
    expect(lines.some((line) => line.startsWith('config: SIGNED_URLS:'))).toBe(true);
  });

  it('rejects (and closes its backends) when the port is taken, instead of crashing', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const dataDir = join(dir, 'port-taken');
      await expect(startOrigin(testConfig({ PORT: String(port), DATA_DIR: dataDir }))).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // The catalog was closed: another origin can open the same data directory at once.
      const again = await startOrigin(testConfig({ PORT: '0', DATA_DIR: dataDir }));
      await again.close();
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('finishes an in-flight upload on SIGTERM, then exits 0', async () => {
    const origin = await spawnOrigin({ DATA_DIR: join(dir, 'data') });
    const image = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    // A slow client: the body trickles in over ~1 s while the server is told to stop.
    let sentChunks = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sentChunks === 10) return controller.close();
        const size = Math.ceil(image.length / 10);
        controller.enqueue(image.subarray(sentChunks * size, (sentChunks + 1) * size));
        sentChunks++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
    });
    const upload = fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body, duplex: 'half' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const exited = origin.stop('SIGTERM');
    const response = await upload;
    expect(response.status).toBe(201);
    expect(await exited).toBe(0);
    expect(origin.output()).toContain('shutting down');
  });
});
