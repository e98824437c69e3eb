import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnOrigin, type SpawnedOrigin } from './helpers/origin.ts';
import { requestHead } from './helpers/robustness.ts';
import { waitFor } from './helpers/wait-for.ts';

/**
 * Scratch files left by a crash (issue 14, item 4): an origin killed with SIGKILL mid-upload
 * leaves its `DATA_DIR/tmp/upload-*`; the next start removes it (and a storage write that never
 * reached its rename), and a running origin sweeps such files periodically, but never a file
 * of an upload still in progress and never a recent one.
 */

/** Longer than an origin takes to start, so the "recent" file is still recent at the start sweep. */
const maxAgeMs = 15_000;
const intervalMs = 300;

/** Waits until `check` holds. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  await waitFor(async () => ((await check()) ? true : undefined), timeoutMs, what);
}

async function uploadTempFiles(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, 'tmp')).catch(() => [] as string[])).filter((name) => name.startsWith('upload-'));
}

/** An old mtime: untouched for an hour. */
async function age(path: string): Promise<void> {
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(path, hourAgo, hourAgo);
}

/** Opens a raw POST /v1/images announcing `length` bytes and sends the first `first` of `body`. */
async function startUpload(url: string, body: Buffer, first: number): Promise<Socket & { answer: Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  socket.write(requestHead('POST', '/v1/images', { 'content-type': 'image/png', 'content-length': String(body.length) }));
  socket.write(body.subarray(0, first));
  return Object.assign(socket, { answer });
}

describe('scratch files after a crash', () => {
  const origins: SpawnedOrigin[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const origin of origins) await origin.stop('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('removes what a kill -9 left at the next start and sweeps periodically, sparing files in use', { timeout: 90_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-scratch-'));
    const env = {
      DATA_DIR: dataDir,
      BODY_IDLE_TIMEOUT_MS: '60000',
      TEMP_MAX_AGE_MS: String(maxAgeMs),
      TEMP_SWEEP_INTERVAL_MS: String(intervalMs),
    };
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c63' } })
      .png({ compressionLevel: 0 })
      .toBuffer();

    // 1. An upload in flight when the process is killed leaves its temp file.
    const first = await spawnOrigin({ ...env, TEMP_SWEEP_INTERVAL_MS: '600000' });
    origins.push(first);
    const doomed = await startUpload(first.url, randomBytes(1024 * 1024), 64 * 1024);
    await until('the upload temp file', async () => (await uploadTempFiles(dataDir)).length === 1, 10_000);
    const [crashed] = await uploadTempFiles(dataDir);
    await first.stop('SIGKILL');
    doomed.destroy();
    expect(existsSync(join(dataDir, 'tmp', crashed ?? ''))).toBe(true);
    // A storage write cut short by the same crash, and a file written just now by someone else.
    const storageTemp = join(dataDir, 'objects', '.tmp', 'crashed.part');
    await mkdir(join(dataDir, 'objects', '.tmp'), { recursive: true });
    await writeFile(storageTemp, randomBytes(1000));
    await age(storageTemp);
    await age(join(dataDir, 'tmp', crashed ?? ''));
    const recent = join(dataDir, 'tmp', 'upload-recent');
    await writeFile(recent, 'x');

    // 2. The next start removes the crashed files before it listens, and keeps the recent one.
    const second = await spawnOrigin(env);
    origins.push(second);
    expect(await uploadTempFiles(dataDir)).toEqual(['upload-recent']);
    expect(existsSync(storageTemp)).toBe(false);
    expect(second.output()).toMatch(/removed stale scratch files/);

    // 3. An upload in progress keeps its temp file through sweeps, even when its mtime is old.
    const live = await startUpload(second.url, png, 1000);
    await until('the live upload temp file', async () => (await uploadTempFiles(dataDir)).some((name) => name !== 'upload-recent'), 10_000);
    const inUse = (await uploadTempFiles(dataDir)).find((name) => name !== 'upload-recent') ?? '';
    await age(join(dataDir, 'tmp', inUse));
    // 4. Meanwhile the file nobody uses grows old and is swept by the timer.
    await age(recent);
    await until('the periodic sweep', () => !existsSync(recent), 10 * intervalMs + 5_000);
    await new Promise((resolve) => setTimeout(resolve, 3 * intervalMs));
    expect(existsSync(join(dataDir, 'tmp', inUse))).toBe(true);
    live.write(png.subarray(1000));
    expect(await live.answer).toMatch(/^HTTP\/1\.1 201/);
    expect(await uploadTempFiles(dataDir)).toEqual([]);
    expect(second.child.exitCode).toBeNull();
  });
});
