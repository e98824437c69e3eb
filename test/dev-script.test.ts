/**
 * `npm run dev` (scripts/dev.ts) as a newcomer runs it: the origin and `wrangler dev` together.
 * Upload through the edge, fetch a transform through both, then Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('npm run dev', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('serves the whole path, edge in front of origin, and stops both on SIGINT', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-dev-'));
    dirs.push(dataDir);
    const [originPort, edgePort] = [await freePort(), await freePort()];
    // What `npm run dev` runs (`tsx scripts/dev.ts`), signalled directly as Ctrl-C would reach it.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? dataDir,
        PORT: String(originPort),
        EDGE_PORT: String(edgePort),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm run dev was not ready in 90 s:\n${log}`)), 90_000);
        child.stdout.on('data', () => {
          if (log.includes('ready: edge')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => reject(new Error(`npm run dev exited with ${code}:\n${log}`)));
      });
      const edge = `http://127.0.0.1:${edgePort}`;
      const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer();
      const upload = await fetch(`${edge}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
      expect(upload.status).toBe(201);
      const { id } = (await upload.json()) as { id: string };
      const variant = await fetch(`${edge}/img/${id}/w_80`);
      expect(variant.status).toBe(200);
      expect(variant.headers.get('x-edge-cache')).toBe('miss');
      expect((await sharp(Buffer.from(await variant.arrayBuffer())).metadata()).width).toBe(80);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    // Both servers are gone with it.
    await expect(fetch(`http://127.0.0.1:${originPort}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${edgePort}/healthz`)).rejects.toThrow();
  }, 150_000);
});
