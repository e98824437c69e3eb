/**
 * Dockerfile.origin built with podman and run (issue 18): the container answers /healthz, takes an
 * upload, renders a variant, and stops within 10 s on SIGTERM with nothing lost. The base images
 * the Dockerfile names are built from Debian packages first (test/helpers/container-base-images.sh),
 * since no registry is reachable here. Skips with a notice where podman or debootstrap is absent.
 * Slow (base images ~2–4 min once per machine, the image build ~2–4 min), hence its own file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

const run = promisify(execFile);
const has = (command: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const available = has('podman') && has('debootstrap') && has('runc') && process.getuid?.() === 0;
if (!available)
  console.warn('container test skipped: needs root with podman, runc and debootstrap (apt-get install podman runc debootstrap)');

const image = 'localhost/pixelfront:test';
const minutes = 60_000;

describe.skipIf(!available)('Dockerfile.origin, built and run with podman', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const podman = (args: string[], timeout = 2 * minutes) =>
    run('podman', ['--runtime', 'runc', ...args], { env, timeout, maxBuffer: 64 * 1024 * 1024 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-container-'));
    // A configuration known to work on these machines (no ulimits to copy, no systemd cgroups).
    await writeFile(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\n');
    env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
    await run(join(repoRoot, 'test/helpers/container-base-images.sh'), ['--runtime', 'runc'], { env, timeout: 10 * minutes });
    // --network=host: the build runs npm ci against the registry the machine reaches.
    await podman(['build', '--pull=never', '--network=host', '-f', 'Dockerfile.origin', '-t', image, repoRoot], 15 * minutes);
  }, 25 * minutes);

  afterAll(async () => {
    await podman(['rm', '-f', 'pixelfront-test-a', 'pixelfront-test-b']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'answers /healthz, takes an upload, renders a variant, and stops within 10 s on SIGTERM with nothing lost',
    async () => {
      const { stdout: size } = await podman(['image', 'inspect', '--format', '{{.Size}}', image]);
      console.info(`container image ${image}: ${(Number(size) / 1024 / 1024).toFixed(0)} MiB`);

      const data = join(dir, 'data');
      await run('mkdir', ['-p', data]);
      await chmod(data, 0o777); // the image runs as the `node` user
      const port = await freePort();
      const start = (name: string) =>
        podman(['run', '-d', '--name', name, '--network=host', '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', '-v', `${data}:/data`, image]);
      const url = `http://127.0.0.1:${port}`;

      await start('pixelfront-test-a');
      await waitForHealthy(url);
      const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a6f97' } })
        .png()
        .toBuffer();
      const upload = await fetch(`${url}/v1/images?filename=blue.png`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: png,
      });
      expect(upload.status).toBe(201);
      const { id } = (await upload.json()) as { id: string };
      const variant = await fetch(`${url}/img/${id}/w_200,f_webp`);
      expect(variant.status).toBe(200);
      expect(variant.headers.get('content-type')).toBe('image/webp');
      expect((await sharp(Buffer.from(await variant.arrayBuffer())).metadata()).width).toBe(200);

      // podman stop sends SIGTERM and, after 10 s, SIGKILL: a graceful stop is well inside that and exits 0.
      const stopping = Date.now();
      await podman(['stop', '--time', '10', 'pixelfront-test-a'], minutes);
      const stopMs = Date.now() - stopping;
      const { stdout: exitCode } = await podman(['inspect', '--format', '{{.State.ExitCode}}', 'pixelfront-test-a']);
      expect(exitCode.trim()).toBe('0');
      expect(stopMs).toBeLessThan(10_000);
      console.info(`container stopped on SIGTERM in ${String(stopMs)} ms`);

      // Nothing lost: a new container on the same volume serves the same original, byte for byte.
      await start('pixelfront-test-b');
      await waitForHealthy(url);
      const original = await fetch(`${url}/img/${id}`);
      expect(original.status).toBe(200);
      expect(Buffer.from(await original.arrayBuffer()).equals(png)).toBe(true);
      await podman(['stop', '--time', '10', 'pixelfront-test-b'], minutes);
    },
    5 * minutes,
  );
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForHealthy(url: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the container did not answer ${url}/healthz within 60 s`);
}
