import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startTestOrigin, type TestOrigin } from '../test/helpers/origin.ts';

const run = promisify(execFile);

/**
 * `npm install -g .` from the checkout, as the README tells a user, into a throw-away prefix:
 * the command must run from outside the clone. `--offline` proves nothing is fetched (a folder
 * install is a link to the checkout, whose node_modules the command then uses).
 */
describe('pixelfront installed globally from the checkout', () => {
  let prefix: string;
  let origin: TestOrigin;
  beforeAll(async () => {
    prefix = await mkdtemp(join(tmpdir(), 'pixelfront-global-'));
    origin = await startTestOrigin({ API_KEYS: 'cli:install-test-key' });
    await run(
      'npm',
      [
        'install',
        '-g',
        '--ignore-scripts',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        '--cache',
        join(prefix, 'cache'),
        repoRoot,
      ],
      {
        cwd: prefix,
      },
    );
  });
  afterAll(async () => {
    await origin?.destroy();
    if (prefix) await rm(prefix, { recursive: true, force: true });
  });

  it('puts a pixelfront command on the prefix bin that prints its usage and uploads from another folder', async () => {
    const command = join(prefix, 'bin', 'pixelfront');
    const env = { PATH: process.env['PATH'] ?? '', HOME: prefix };
    const help = await run(command, ['--help'], { cwd: prefix, env });
    expect(help.stdout).toContain('Usage: pixelfront upload');

    const photos = join(prefix, 'photos');
    await mkdir(photos);
    const image = join(photos, 'dot.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toFile(image);
    await writeFile(join(photos, 'ignored.txt'), 'not picked from a folder');
    const upload = await run(command, ['upload', 'photos', '--endpoint', origin.url, '--key', 'install-test-key', '--json'], {
      cwd: prefix,
      env,
    });
    const summary = JSON.parse(upload.stdout) as { counts: { ok: number }; items: { file: string }[] };
    expect(summary.counts.ok).toBe(1);
    expect(summary.items.map((item) => item.file)).toEqual([image]);
  });
});
