import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

/**
 * The logger's default destination in a real process: JSON lines when stdout is a pipe (a
 * container's log, `npm start > file`), pino-pretty's lines when it is a terminal. The terminal
 * is util-linux `script`, which runs the command on a pseudo-terminal.
 */
const run = promisify(execFile);
const scriptPath = '/usr/bin/script';
const hasScript = existsSync(scriptPath);
if (!hasScript) console.warn('[skip] logs on a terminal: util-linux script(1) not found');

describe('log output', () => {
  let dir: string;
  let program: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-logger-'));
    program = join(dir, 'log.mjs');
    await writeFile(
      program,
      [
        `const { createLogger } = await import(${JSON.stringify(join(repoRoot, 'origin/logger.ts'))});`,
        `createLogger('info').info('hello from the logger', { answer: 42 });`,
        `createLogger('warn').info('below the level');`,
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes JSON lines to a pipe', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', program], { cwd: repoRoot });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', msg: 'hello from the logger', answer: 42 });
  });

  it.skipIf(!hasScript)('writes readable lines, not JSON, to a terminal', async () => {
    const command = [process.execPath, '--import', 'tsx', program].map((part) => `'${part}'`).join(' ');
    const { stdout } = await run(scriptPath, ['-qec', command, '/dev/null'], { cwd: repoRoot });
    // Without the colours pino-pretty writes to a terminal.
    const text = stdout.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: hello from the logger \{"answer":42\}$/);
    expect(() => JSON.parse(lines[0] ?? '') as unknown).toThrow();
  });
});
