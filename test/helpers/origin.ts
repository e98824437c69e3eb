import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testConfig } from '../../origin/config.ts';
import { startOrigin, type RunningOrigin } from '../../origin/server.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface TestOrigin extends RunningOrigin {
  dataDir: string;
  /** Stops the server and removes its data. */
  destroy(): Promise<void>;
}

/** A real origin in this process on a random port, with its own temp DATA_DIR. */
export async function startTestOrigin(env: Record<string, string> = {}): Promise<TestOrigin> {
  const dataDir = env['DATA_DIR'] ?? (await mkdtemp(join(tmpdir(), 'pixelfront-test-')));
  const origin = await startOrigin(testConfig({ PORT: '0', DATA_DIR: dataDir, ...env }));
  return {
    ...origin,
    dataDir,
    async destroy() {
      await origin.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SpawnedOrigin {
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /**
   * Resident memory of the server process in bytes (Linux /proc): `anon` is what the process
   * allocated (heap, native buffers); `total` is VmRSS, which also counts file pages that
   * libvips maps read-only from the image it decodes (page cache, not allocations).
   */
  memory(): Promise<{ anon: number; total: number }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The origin as `npm start` runs it, in a child process, for tests that measure the server's
 * memory or its signals. Resolves once it logged its URL.
 */
export async function spawnOrigin(env: Record<string, string>): Promise<SpawnedOrigin> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'origin/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin did not start:\n${log}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+?)"/.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin exited with ${code}:\n${log}`));
    });
  });
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    child,
    output: () => log,
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024;
      return { anon: field('RssAnon') + field('RssShmem'), total: field('VmRSS') };
    },
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}
