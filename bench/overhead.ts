/**
 * `npm run bench:overhead [-- --requests=200] [--rounds=2]`: where a cold render's CPU goes beyond
 * raw sharp's (issue 20's per-request overhead), on photo-w600 (the 6 MP JPEG to w_600 JPEG) at
 * concurrency 2. Each round runs four modes one after another on the same widths, each a new
 * variant: raw sharp, the origin's render() (the source header given, as the origin caches it),
 * VariantService.get in this process (single flight, storage lookup, write-back, counters; no
 * HTTP), and the origin started as `npm start` runs it, over HTTP. CPU per request by thread kind
 * (bench/thread-cpu.ts) of this process, or of the origin for the HTTP mode. Prints a table; on a
 * shared host the modes' differences below ~0.3 ms are noise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { loadConfig } from '../origin/config.ts';
import { ingestReceivedFile } from '../origin/ingest/ingest-image.ts';
import { receiveToTempFile } from '../origin/ingest/receive.ts';
import { createLogger } from '../origin/logger.ts';
import { createServices } from '../origin/services.ts';
import { configureSharp } from '../origin/transform/configure-sharp.ts';
import { applyEncoder } from '../origin/transform/encoder-settings.ts';
import { canonicalTransform } from '../origin/transform/plan.ts';
import { readSourceHeader } from '../origin/transform/probe.ts';
import { render } from '../origin/transform/render.ts';
import { renderLimits } from '../origin/transform/render-limits.ts';
import { variantRequest } from '../origin/transform/variant-identity.ts';
import { runLoad } from './load.ts';
import { describeMachine } from './machine.ts';
import { uploadImage } from './origin-api.ts';
import { startScriptEnv, startServer } from './processes.ts';
import { formatTable } from './table.ts';
import { missingEnv, overheadOps, parseOverheadOptions } from './overhead-plan.ts';
import { perRequest, threadCpu, type ThreadCpu } from './thread-cpu.ts';
import { sources } from './workloads.ts';

const concurrency = 2;

/** Runs `requests` requests `concurrency` at a time, one after another per worker. */
function closedLoop(requests: number, run: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  return Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) await run(next++);
    }),
  ).then(() => undefined);
}

async function measure(pid: number, requests: number, runAll: () => Promise<void>): Promise<{ rps: number; cpu: ThreadCpu }> {
  const before = threadCpu(pid);
  const started = performance.now();
  await runAll();
  const seconds = (performance.now() - started) / 1000;
  return { rps: Math.round((requests / seconds) * 10) / 10, cpu: perRequest(before, threadCpu(pid), requests) };
}

async function main(): Promise<void> {
  const { requests, rounds } = parseOverheadOptions(process.argv.slice(2));
  // The in-process modes run with the origin's environment: this script again, with it.
  const serverEnv = await startScriptEnv();
  const missing = missingEnv(serverEnv, process.env);
  if (Object.keys(missing).length > 0) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, ...missing },
    });
    process.exit(child.status ?? 1);
  }
  const machine = describeMachine();
  const data = await readFile(join(process.cwd(), '../shared/corpus', sources.photo6mp));
  const work = await mkdtemp(join(tmpdir(), 'pixelfront-overhead-'));
  configureSharp();
  const config = loadConfig({ DATA_DIR: join(work, 'in-process') });
  const services = await createServices(config, createLogger('silent'));
  const origin = await startServer('npm', ['start', '--silent'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(work, 'http'), LOG_LEVEL: 'info' },
    urlPattern: /"url":"(http:\/\/[^"]+)"/,
    leaf: true,
  });
  const cells: string[][] = [];
  try {
    const file = await receiveToTempFile(Readable.from([data]), { tempDir: services.tempDir, maxBytes: config.maxUploadBytes });
    const fields = { filename: null, title: null, alt: null, tags: [], meta: null };
    const { image } = await ingestReceivedFile(services, 'default', file, fields);
    const header = await readSourceHeader(data);
    const id = await uploadImage(origin.url, data, 'image/jpeg');
    const limits = renderLimits(config);
    // Untimed: the first renders of a process pay for warming up, whichever mode they belong to.
    await closedLoop(10, (index) =>
      applyEncoder(sharp(data).resize({ width: 300 + index }), { format: 'jpeg', q: undefined, animation: undefined }).toBuffer(),
    );
    for (let round = 0; round < rounds; round++) {
      const at = (index: number) => overheadOps(round, index);
      const spec = (index: number) => {
        const { width, q } = at(index);
        return q === undefined ? { w: width } : { w: width, q };
      };
      const modes: Array<[string, number, () => Promise<void>]> = [
        [
          'raw sharp',
          process.pid,
          () =>
            closedLoop(requests, (index) =>
              applyEncoder(sharp(data).resize({ width: at(index).width }), {
                format: 'jpeg',
                q: at(index).q,
                animation: undefined,
              }).toBuffer(),
            ),
        ],
        [
          'render()',
          process.pid,
          () => closedLoop(requests, (index) => render({ source: data, header, spec: spec(index), format: 'jpeg', limits })),
        ],
        [
          'VariantService.get',
          process.pid,
          () =>
            closedLoop(requests, (index) =>
              services.variants.get(variantRequest(image, canonicalTransform(services.grammar, at(index).ops), 'jpeg')),
            ),
        ],
        [
          'origin over HTTP',
          origin.pid,
          async () => {
            const result = await runLoad({
              origin: origin.url,
              path: (index) => `/img/${id}/${at(index).ops}`,
              requests,
              concurrency,
              maxSeconds: 600,
            });
            const failed = result.samples.filter((sample) => !sample.ok).length;
            if (failed > 0) throw new Error(`${failed} requests failed: ${JSON.stringify(result.statuses)}`);
          },
        ],
      ];
      for (const [mode, pid, run] of modes) {
        const { rps, cpu } = await measure(pid, requests, run);
        // Write-backs finish before the next mode's reading starts.
        await services.variants.settled();
        const total = cpu.main + cpu['pool+v8'] + cpu.libvips;
        cells.push([
          String(round + 1),
          mode,
          rps.toFixed(1),
          cpu.main.toFixed(2),
          cpu['pool+v8'].toFixed(2),
          cpu.libvips.toFixed(2),
          total.toFixed(2),
        ]);
        console.error(`overhead: round ${round + 1} ${mode}: ${rps} req/s, ${total.toFixed(2)} ms CPU a request`);
      }
    }
  } finally {
    await origin.stop();
    await services.close();
    await rm(work, { recursive: true, force: true });
  }
  console.log(
    `\nphoto-w600 cold renders at c${concurrency}, ${requests} a mode a round: ${machine.nproc} cores ${machine.cpu}, load average ${machine.loadAverage.join(' ')} → ${describeMachine().loadAverage.join(' ')}; start script environment ${JSON.stringify(serverEnv)}\n`,
  );
  console.log(formatTable(['round', 'mode', 'req/s', 'main ms', 'pool+v8 ms', 'libvips ms', 'CPU ms/req'], cells));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:overhead failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
