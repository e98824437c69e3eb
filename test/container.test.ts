/**
 * Dockerfile.origin built with podman and run (issue 18): the container answers /healthz, takes an
 * upload, renders a variant, and stops within 10 s on SIGTERM with nothing lost. The base images
 * the Dockerfile names are built from Debian packages first (test/helpers/container-base-images.sh),
 * since no registry is reachable here. Then, with the same image, the Deployments of deploy/k8s/
 * run with `podman kube play` (test/helpers/kube-play.ts says what podman does and does not run):
 * every pod answers its probes, and two `delivery` replicas answer through one Service port.
 * Skips with a notice where podman or debootstrap is absent. Slow, hence its own file, one step
 * after the other so the image is built once: measured 2026-12-04 on a loaded 2-core machine, base
 * images and image build 7.5 min the first time (about 1 min with both cached), the run and stop 10 s,
 * the kube play 36 s.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPath } from '../core/signing.ts';
import { playDeployments, type PlayedSet } from './helpers/kube-play.ts';
import { repoRoot } from './helpers/origin.ts';
import { testPostgresUrl, testSchema } from './helpers/postgres.ts';
import { dropQueuePrefix, randomQueuePrefix, testRedisUrl } from './helpers/redis.ts';
import { startRoundRobin, type RoundRobin } from './helpers/round-robin.ts';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.ts';
import { waitFor } from './helpers/wait-for.ts';

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

// The image and container names are this run's own, so that two checkouts running this file at
// once (on a shared machine) never run each other's build.
const runId = randomBytes(4).toString('hex');
const image = `localhost/pixelfront:test-${runId}`;
const [first, second] = ['a', 'b'].map((name) => `pixelfront-test-${runId}-${name}`) as [string, string];
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
    await podman(['rm', '-f', first, second]).catch(() => undefined);
    await podman(['rmi', image]).catch(() => undefined); // the tag; the build's layers stay cached
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'answers /healthz, takes an upload, renders a variant, and stops within 10 s on SIGTERM with nothing lost',
    async () => {
      const { stdout: size } = await podman(['image', 'inspect', '--format', '{{.Size}}', image]);
      console.info(`container image ${image}: ${(Number(size) / 1024 / 1024).toFixed(0)} MiB`);
      // What the image holds besides its packages: the compiled code and the console, no test
      // support or benchmark (.dockerignore, and tsconfig.build.json's exclusions).
      const { stdout: listing } = await podman([
        'run',
        '--rm',
        '--network=none',
        '--entrypoint',
        'sh',
        image,
        '-c',
        'cd /app && find . -path ./node_modules -prune -o -type f -print',
      ]);
      const files = listing.split('\n').filter(Boolean);
      expect(files).toContain('./dist/origin/main.js');
      expect(files).toContain('./dist/worker-pool/main.js');
      expect(files.filter((file) => /\/(test|bench|testing)\/|\.(test|contract)\.[cm]?[jt]sx?(\.map)?$/.test(file))).toEqual([]);

      const data = join(dir, 'data');
      await run('mkdir', ['-p', data]);
      await chmod(data, 0o777); // the image runs as the `node` user
      const port = await freePort();
      const start = (name: string) =>
        podman(['run', '-d', '--name', name, '--network=host', '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', '-v', `${data}:/data`, image]);
      const url = `http://127.0.0.1:${port}`;

      await start(first);
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
      // The entrypoint (scripts/process-env.sh) replaced itself with node and preloaded jemalloc.
      const { stdout: maps } = await podman(['exec', first, 'sh', '-c', 'cat /proc/1/comm; grep -c libjemalloc /proc/1/maps']);
      expect(maps.split('\n')[0]).toBe('node');
      expect(Number(maps.split('\n')[1])).toBeGreaterThan(0);

      // podman stop sends SIGTERM and, after 10 s, SIGKILL: a graceful stop is well inside that and
      // exits 0. Nothing lost: an upload whose body is still arriving when SIGTERM lands (the server
      // then refuses new connections) is finished, answered 201 and kept.
      const late = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#97412a' } })
        .png()
        .toBuffer();
      const inFlight = trickledUpload(`${url}/v1/images?filename=late.png`, late);
      await inFlight.started;
      const stopping = Date.now();
      const stopped = podman(['stop', '--time', '10', first], minutes);
      await waitUntilRefused(url);
      inFlight.finish();
      const lateAnswer = await inFlight.response;
      expect(lateAnswer.status, lateAnswer.body.toString()).toBe(201);
      const lateId = (JSON.parse(lateAnswer.body.toString()) as { id: string }).id;
      await stopped;
      const stopMs = Date.now() - stopping;
      const { stdout: exitCode } = await podman(['inspect', '--format', '{{.State.ExitCode}}', first]);
      expect(exitCode.trim()).toBe('0');
      expect(stopMs).toBeLessThan(10_000);
      console.info(`container stopped on SIGTERM in ${String(stopMs)} ms`);

      // Nothing lost: a new container on the same volume serves the same original, byte for byte.
      await start(second);
      await waitForHealthy(url);
      for (const [stored, bytes] of [
        [id, png],
        [lateId, late],
      ] as const) {
        const original = await fetch(`${url}/img/${stored}`);
        expect(original.status).toBe(200);
        expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);
      }
      await podman(['stop', '--time', '10', second], minutes);
    },
    5 * minutes,
  );

  it(
    'plays the deploy/k8s Deployments with podman kube play: every pod ready, two delivery replicas behind one Service port',
    async () => {
      const suffix = randomBytes(4).toString('hex');
      const network = `pixelfront-kube-${suffix}`;
      const schema = testSchema('pf_kube', 'kube play');
      const prefix = randomQueuePrefix();
      const forwarders: RoundRobin[] = [];
      let s3: S3rverHandle | undefined;
      let played: PlayedSet | undefined;
      try {
        expect(await schema.create()).toBe(true);
        s3 = await startS3rver();
        await s3.createBucket('kube');
        // The pods reach the test's PostgreSQL, Redis and s3rver (all on loopback) through
        // forwarders on the network's gateway; a pod started first brings the bridge up.
        await podman(['network', 'create', network]);
        await podman(['pod', 'create', '--name', `${network}-up`, '--network', network]);
        await podman(['pod', 'start', `${network}-up`]);
        const { stdout: gateway } = await podman(['network', 'inspect', '--format', '{{range .Subnets}}{{.Gateway}}{{end}}', network]);
        const forward = async (url: string) => {
          const { hostname, port } = new URL(url);
          const forwarder = await startRoundRobin(gateway.trim(), [{ host: hostname, port: Number(port) }]);
          forwarders.push(forwarder);
          return `${forwarder.host}:${String(forwarder.port)}`;
        };
        const database = new URL(testPostgresUrl);
        database.host = await forward(testPostgresUrl);
        const redis = new URL(testRedisUrl);
        redis.host = await forward(testRedisUrl);
        const apiKey = 'kube-test-key';
        const signingKey = 'kube-test-signing-key';

        played = await playDeployments(podman, {
          dir,
          network,
          image,
          config: {
            STORAGE_URL: 's3://kube/pixelfront',
            S3_ENDPOINT: `http://${await forward(s3.endpoint)}`,
            S3_REGION: s3.region,
            S3_FORCE_PATH_STYLE: 'true',
            REDIS_URL: redis.toString(),
            QUEUE_PREFIX: prefix,
          },
          secrets: {
            DATABASE_URL: schema.url(database.toString()),
            API_KEYS: `kube:${apiKey}`,
            SIGNING_KEYS: signingKey,
            AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
          },
        });
        const { pods, services } = played;
        // What podman skips, by its own log: no autoscaler, disruption budget, Service or Ingress runs.
        expect(played.unsupported).toEqual(['HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'ScaledObject', 'Service']);
        const component = (name: string) => pods.filter((pod) => pod.labels['app.kubernetes.io/component'] === name);
        // As the manifests say: two replicas per origin role, one worker.
        expect(pods).toHaveLength(9);
        expect(component('delivery')).toHaveLength(2);

        for (const url of pods.flatMap((pod) => pod.probes)) {
          await waitFor(async () => ((await get(url).catch(() => undefined))?.status === 200 ? true : undefined), 4 * minutes, url);
        }
        const service = (name: string) => services.get(`pixelfront-${name}`)?.url ?? '';
        const auth = { authorization: `Bearer ${apiKey}` };

        const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#8a3b12' } })
          .png()
          .toBuffer();
        const upload = await call(
          `${service('upload')}/v1/images?filename=kube.png`,
          'POST',
          { ...auth, 'content-type': 'image/png' },
          png,
        );
        expect(upload.status, upload.body.toString()).toBe(201);
        const { id } = JSON.parse(upload.body.toString()) as { id: string };

        // Ten requests, each on a new connection, through the delivery Service's one port.
        const path = `/img/${id}/w_320`;
        const signed = `${service('delivery')}${path}?sig=${await signPath(path, signingKey)}`;
        const answers = [];
        for (let index = 0; index < 10; index += 1) answers.push(await get(signed));
        expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
        expect(new Set(answers.map((answer) => answer.body.toString('base64'))).size).toBe(1);
        expect((await sharp(answers[0]?.body).metadata()).width).toBe(320);
        const perPod = await Promise.all(
          component('delivery').map(async (pod) => {
            const metrics = (await get(`http://${pod.ip}:8080/metrics`)).body.toString();
            const count = (name: string, labels: string) =>
              [...metrics.matchAll(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
            return {
              served: count('pixelfront_http_requests_total', 'route="/img/:id/:ops",status="200"'),
              renders: count('pixelfront_renders_total', '[^}]*'),
            };
          }),
        );
        // Both replicas answered; on one storage and Redis they rendered the variant once.
        expect(perPod.map((pod) => pod.served)).toEqual([5, 5]);
        expect(perPod.reduce((sum, pod) => sum + pod.renders, 0)).toBe(1);
        console.info(
          `kube play: delivery Service ${service('delivery')} → ${services.get('pixelfront-delivery')?.endpoints.join(', ') ?? ''}`,
        );

        // Each role answers only its routes: an upload sent to the delivery Service is 421.
        const misdirected = await call(`${service('delivery')}/v1/images`, 'POST', { ...auth, 'content-type': 'image/png' }, png);
        expect(misdirected.status).toBe(421);
        const multipart = await call(`${service('multipart')}/v1/uploads`, 'POST', { ...auth, 'content-type': 'application/json' }, '{}');
        expect(multipart.status).toBe(201);
        // A batch through the api Service is rendered by the worker pod.
        const batch = await call(
          `${service('api')}/v1/batches`,
          'POST',
          { ...auth, 'content-type': 'application/json' },
          JSON.stringify({ transforms: ['w_100'], images: [id] }),
        );
        expect(batch.status, batch.body.toString()).toBe(202);
        const batchId = (JSON.parse(batch.body.toString()) as { id: string }).id;
        const finished = await waitFor(
          async () => {
            const progress = JSON.parse((await call(`${service('api')}/v1/batches/${batchId}`, 'GET', auth)).body.toString()) as {
              state: string;
            };
            return progress.state === 'completed' || progress.state === 'failed' ? progress : undefined;
          },
          2 * minutes,
          'the batch',
        );
        expect(finished).toMatchObject({ state: 'completed', done: 1, failed: 0 });
      } finally {
        await played?.down();
        for (const forwarder of forwarders) await forwarder.close();
        await podman(['pod', 'rm', '-f', `${network}-up`]).catch(() => undefined);
        await podman(['network', 'rm', '-f', network]).catch(() => undefined);
        await s3?.stop();
        await dropQueuePrefix(prefix);
        await schema.drop();
      }
    },
    12 * minutes,
  );
});

/** One HTTP request on a connection of its own (as a Service spreads connections, not requests). */
function call(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const request = httpRequest(
      url,
      { method, headers: { connection: 'close', ...headers }, agent: false, timeout: 30_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

function get(url: string) {
  return call(url, 'GET');
}

/** A raw upload whose first half is sent at once (`started`) and the rest only on `finish()`. */
function trickledUpload(url: string, body: Buffer) {
  let answered: (answer: { status: number; body: Buffer }) => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const response = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    answered = resolve;
    failed = reject;
  });
  const headers = { 'content-type': 'image/png', 'content-length': String(body.length) };
  const request = httpRequest(url, { method: 'POST', headers, agent: false }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => answered({ status: answer.statusCode ?? 0, body: Buffer.concat(chunks) }));
    answer.on('error', failed);
  });
  request.on('error', failed);
  const half = Math.floor(body.length / 2);
  const started = new Promise<void>((resolve) => request.write(body.subarray(0, half), () => resolve()));
  return { started, response, finish: () => void request.end(body.subarray(half)) };
}

/** Until a new connection to the server is refused: it got SIGTERM and stopped listening. */
async function waitUntilRefused(url: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const refused = await get(`${url}/healthz`).then(
      () => false,
      (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
    );
    if (refused) return;
  }
  throw new Error(`${url} still took new connections 10 s after the stop began`);
}

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
