/** `npx wrangler deploy --dry-run` (npm run edge:build) bundles the edge Worker without deploying. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');

describe('edge bundle', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('builds with wrangler deploy --dry-run, with the documented bindings and without Node built-ins', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'pixelfront-edge-build-'));
    dirs.push(outdir);
    const { stdout } = await promisify(execFile)(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
    });
    expect(stdout).toContain('--dry-run: exiting now.');
    for (const binding of ['ORIGIN_URL', 'SIGNED_URLS', 'PUBLIC_PRESETS', 'ORIGIN_TIMEOUT_MS', 'MAX_OUTPUT_DIMENSION'])
      expect(stdout).toContain(`env.${binding}`);
    const bundle = await readFile(join(outdir, 'index.js'), 'utf8');
    expect(bundle).toMatch(/export\s*\{[^}]*as default/);
    // core/ is Web-APIs only: the Worker bundle must not need nodejs_compat.
    expect(bundle).not.toMatch(/from\s*["']node:/);
  });
});
