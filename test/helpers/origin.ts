import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { npmScriptEnv } from '../../bench/processes.ts';
import { testConfig } from './config.ts';
import { recordAnswersOf } from './recorded-answers.ts';
import type { Logger } from '../../origin/logger.ts';
import { startOrigin, type RunningOrigin } from '../../origin/server.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface TestOrigin extends RunningOrigin {
  dataDir: string;
  /** Stops the server and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A real origin in this process on a random port, with its own temp DATA_DIR. A logger may be
 * passed to capture what the origin logs.
 */
export async function startTestOrigin(env: Record<string, string> = {}, logger?: Logger): Promise<TestOrigin> {
  const dataDir = env['DATA_DIR'] ?? (await mkdtemp(join(tmpdir(), 'pixelfront-test-')));
  const origin = await startOrigin(testConfig({ PORT: '0', DATA_DIR: dataDir, ...env }), logger);
  recordAnswersOf(origin.url);
  return {
    ...origin,
    dataDir,
    async destroy() {
      await origin.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SpawnedProcess {
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code (at once if the process is gone). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Each entry point and the package.json script that runs it. */
const scripts = { 'origin/main.ts': 'start', 'worker-pool/main.ts': 'worker' } as const;

/**
 * A pixelfront process as its npm script runs it (the script's environment, such as
 * MALLOC_ARENA_MAX and NODE_OPTIONS, with the source run by `node --import tsx <entry>`),
 * resolved with the first match of `ready` in its output, or rejected if it exits or stays
 * silent for 30 s.
 */
export async function spawnPixelfront(
  entry: keyof typeof scripts,
  env: Record<string, string>,
  ready: RegExp,
): Promise<SpawnedProcess & { ready: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'info', ...(await npmScriptEnv(scripts[entry])), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${log}`)), 30_000);
    child.stdout?.on('data', () => {
      const found = ready.exec(log);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${log}`));
    });
  });
  return {
    ready: match,
    pid: child.pid ?? 0,
    child,
    output: () => log,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}

/** `npm run worker` in a child process, resolved once it logged its metrics URL. */
export function spawnWorker(env: Record<string, string>): Promise<SpawnedProcess> {
  return spawnPixelfront('worker-pool/main.ts', { WORKER_METRICS_PORT: '0', ...env }, /metrics on /);
}

export interface SpawnedOrigin extends SpawnedProcess {
  url: string;
  /**
   * Resident memory of the server process in bytes (Linux /proc): `anon` is what the process
   * allocated (heap, native buffers); `total` is VmRSS, which also counts file pages that
   * libvips maps read-only from the image it decodes (page cache, not allocations).
   */
  memory(): Promise<{ anon: number; total: number }>;
}

/**
 * The origin as `npm start` runs it, in a child process, for tests that measure the server's
 * memory or its signals. Resolves once it logged its URL.
 */
export async function spawnOrigin(env: Record<string, string>): Promise<SpawnedOrigin> {
  const { ready, ...spawned } = await spawnPixelfront('origin/main.ts', { PORT: '0', ...env }, /listening on (http:\/\/\S+?)"/);
  return {
    ...spawned,
    url: ready[1] ?? '',
    async memory() {
      const status = await readFile(`/proc/${spawned.pid}/status`, 'utf8');
      const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024;
      return { anon: field('RssAnon') + field('RssShmem'), total: field('VmRSS') };
    },
  };
}

/** The access lines (`"msg":"request"`) among a spawned process's JSON log lines. */
export function accessLinesOf(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === 'request');
}

/** Uploads a small generated PNG (`POST /v1/images`, open mode) and returns its id. */
export async function uploadPng(baseUrl: string, background = '#3a7'): Promise<string> {
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background } })
    .png()
    .toBuffer();
  const response = await fetch(`${baseUrl}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
  if (response.status !== 201) throw new Error(`upload answered ${String(response.status)}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}
