/**
 * `npm start` runs the compiled origin (`npm run build`, run by `npm install`'s prepare step), and a
 * SIGTERM sent to the pid of `npm start` itself — what a supervisor that launched it does — stops the
 * server gracefully instead of leaving it running as an orphan.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

const compiled = join(repoRoot, 'dist/origin/main.js');

describe('npm start', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-npm-start-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('runs dist/ with node, and stops the server gracefully when its own pid gets SIGTERM', { timeout: 60_000 }, async () => {
    expect(existsSync(compiled), `${compiled} is missing: npm install (prepare) or npm run build makes it`).toBe(true);
    const npm = spawn('npm', ['start'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [npm.stdout, npm.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not start:\n${output}`)), 30_000);
      npm.stdout.on('data', () => {
        const found = /listening on (http:\/\/[\d.:]+)/.exec(output);
        if (found?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
    });
    expect(output).toContain('node dist/origin/main.js');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    npm.kill('SIGTERM');
    await exited;
    expect(output).toContain('shutting down');
    // The server went with it: nothing is listening on its port any more.
    await expect(waitUntilRefused(`${url}/healthz`, 10_000)).resolves.toBe(true);
  });
});

async function waitUntilRefused(url: string, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline;) {
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
