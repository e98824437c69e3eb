import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startEdge } from './edge.ts';
import { startLimit, type LimitProcess } from './limit.ts';
import { asksIpx, coldCount, gateEnv, renderGate, rounds, variantKs, type BenchOptions } from './options.ts';
import { putWatermark, uploadImage } from './origin-api.ts';
import { combine, httpPhase, measureHttp, measureLimit, toRow, type Measured } from './phases.ts';
import { startScriptEnv, startServer, type Server } from './processes.ts';
import type { Mode, Row, Scenarios, UploadFigures } from './report-types.ts';
import { measureLeak } from './scenarios/leak.ts';
import { measureNearDuplicates, NEAR_DUPLICATE_ROWS } from './scenarios/near-duplicates.ts';
import { makeLargeTiff, measureLargeTiff } from './scenarios/large-tiff.ts';
import { make24mp, measureRss24mp } from './scenarios/rss-24mp.ts';
import { measureSingleFlight } from './scenarios/single-flight.ts';
import { FAST_FIRST_WIDTHS, measureFastFirst } from './scenarios/fast-first.ts';
import { measureMultipartUploads, measureSingleUploads, measureUploadLimit } from './scenarios/uploads.ts';
import { measureLadderQuality } from './scenarios/ladder-quality.ts';
import { makeLogo, sources, workloads, type LimitInput, type SourceName } from './workloads.ts';
import { wrkPhase, wrkVersion } from './wrk.ts';

export interface BenchContext {
  options: BenchOptions;
  corpus: string;
  work: string;
  ipxDir: string;
  log: (line: string) => void;
}

export interface BenchRun {
  rows: Row[];
  uploads: UploadFigures[];
  scenarios: Scenarios;
  notes: string[];
  serverEnv: Record<string, string>;
  /** The origin's RENDER_CONCURRENCY in this run. */
  renderGate: number;
}

/** Settings that would change what is measured; the bench runs every server on defaults. */
const configVariables = [
  'API_KEYS',
  'SIGNED_URLS',
  'SIGNING_KEYS',
  'STORAGE_URL',
  'DATABASE_URL',
  'REDIS_URL',
  'PRESETS_FILE',
  'MEMORY_CACHE_BYTES',
  'RENDER_CONCURRENCY',
  'RENDER_QUEUE',
  'FAST_FIRST_MS',
  'PORT',
  'DATA_DIR',
];

const expectedSource: Partial<Record<Mode, string>> = {
  cold: 'render',
  warm: 'memory',
  stored: 'storage',
  'edge-miss': 'miss',
  'edge-hit': 'hit',
};

export function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of configVariables) delete env[name];
  return env;
}

/** The origin exactly as `npm start` runs it, on a temp DATA_DIR (and the render gate of --render-concurrency). */
export function startOrigin(dataDir: string, renderConcurrency: number | undefined): Promise<Server> {
  return startServer('npm', ['start', '--silent'], {
    env: { ...baseEnv(), ...gateEnv(renderConcurrency), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    urlPattern: /"url":"(http:\/\/[^"]+)"/,
    leaf: true,
  });
}

/** The modes that take turns, in their order within a round. */
const turnModes = ['limit', 'limit-gate', 'ipx', 'cold'] as const;

/**
 * limit, ipx and cold of one workload and concurrency take turns, one round per chunk of the same
 * variants, so a slower stretch of the shared host weighs on all three alike; one row per mode.
 * Where the concurrency exceeds the origin's render gate, limit-gate takes its turn too: raw sharp
 * with only as many renders in flight as the gate lets the origin run, so the table separates
 * what the gate setting costs from what HTTP, storage and the rest of the stack cost.
 */
async function takeTurns(turns: {
  workload: string;
  concurrency: number;
  /** The origin's RENDER_CONCURRENCY. */
  gate: number;
  chunks: number[][];
  limit: LimitProcess;
  ipx: Server;
  origin: Server;
  /** undefined: ipx has no equivalent of this workload. */
  ipxPaths: (chunk: number[]) => string[] | undefined;
  imgPaths: (chunk: number[]) => string[];
  maxSeconds: number;
}): Promise<Row[]> {
  const { workload, concurrency } = turns;
  const measured = Object.fromEntries(turnModes.map((mode) => [mode, [] as Measured[]])) as Record<(typeof turnModes)[number], Measured[]>;
  const maxSeconds = turns.maxSeconds / turns.chunks.length;
  for (const chunk of turns.chunks) {
    measured.limit.push(await measureLimit(turns.limit, workload, concurrency, chunk));
    if (concurrency > turns.gate) measured['limit-gate'].push(await measureLimit(turns.limit, workload, turns.gate, chunk));
    const ipxPaths = turns.ipxPaths(chunk);
    if (ipxPaths)
      measured.ipx.push(
        await measureHttp({ workload, mode: 'ipx', concurrency, server: turns.ipx, paths: ipxPaths, requests: chunk.length, maxSeconds }),
      );
    const paths = turns.imgPaths(chunk);
    measured.cold.push(
      await measureHttp({
        workload,
        mode: 'cold',
        concurrency,
        server: turns.origin,
        paths,
        requests: chunk.length,
        maxSeconds,
        tally: 'x-variant-source',
      }),
    );
  }
  return turnModes
    .filter((mode) => measured[mode].length > 0)
    .map((mode) => toRow({ workload, mode, concurrency }, combine(measured[mode])));
}

export async function runBench(context: BenchContext): Promise<BenchRun> {
  const { options, log } = context;
  const rows: Row[] = [];
  const uploads: UploadFigures[] = [];
  const scenarios: Scenarios = {};
  const notes: string[] = [];
  const serverEnv = await startScriptEnv();
  const dataDir = join(context.work, 'data');
  const data = Object.fromEntries(
    await Promise.all(Object.entries(sources).map(async ([name, path]) => [name, await readFile(join(context.corpus, path))] as const)),
  ) as Record<SourceName, Buffer>;

  log('starting the origin (npm start), the limit runner and ipx');
  const gate = renderGate(options.renderConcurrency);
  let origin = await startOrigin(dataDir, options.renderConcurrency);
  const limit = await startLimit(context.corpus, { ...baseEnv(), ...serverEnv });
  const ipx = await startServer(process.execPath, ['--import', 'tsx', 'bench/ipx-server.ts', context.ipxDir], {
    env: baseEnv(),
    urlPattern: /"url":"(http:\/\/[^"]+)"/,
  });
  let edge: Awaited<ReturnType<typeof startEdge>> | undefined;
  try {
    const ids = {} as Record<SourceName, string>;
    for (const name of Object.keys(sources) as SourceName[])
      ids[name] = await uploadImage(origin.url, data[name], 'application/octet-stream');
    await putWatermark(origin.url, 'logo', await makeLogo());
    const big = await uploadImage(origin.url, await make24mp(data.jpeg12mp), 'image/jpeg');
    const slow = workloads.filter((workload) => workload.slowIpx).map((workload) => workload.name);
    if (options.quick && slow.length > 0)
      notes.push(`--quick: ipx renders ${slow.join(', ')} at c${Math.min(...options.concurrencies)} only (seconds a render)`);
    if (options.renderConcurrency !== undefined)
      notes.push(`origin started with RENDER_CONCURRENCY=${options.renderConcurrency}, not the default (2 × the core count)`);
    const wrk = wrkVersion();
    notes.push(
      wrk
        ? `warm-wrk rows: the same memory hits measured by wrk ${wrk} (one thread, as many connections)`
        : 'wrk is not installed (apt-get install wrk): memory-hit latency is measured by the undici client only, whose own garbage collection adds to its tail',
    );
    notes.push(
      `limit runner: sharp.concurrency() = ${limit.concurrency}; server environment from the start script: ${JSON.stringify(serverEnv)}`,
    );

    const each = async (
      phase: (workload: (typeof workloads)[number], concurrency: number, index: number, count: number) => Promise<void>,
    ) => {
      for (const workload of workloads.filter((candidate) => !options.only || options.only.includes(candidate.name))) {
        for (const [index, concurrency] of options.concurrencies.entries()) {
          await phase(workload, concurrency, index, coldCount(options, workload.weight, concurrency));
        }
      }
    };
    const record = (row: Row) => {
      rows.push(row);
      log(
        `${row.workload} c${row.concurrency} ${row.mode}: ${row.figures.rps} req/s, p99 ${row.figures.p99} ms, ${row.figures.outputBytes} B${row.sources ? ` ${JSON.stringify(row.sources)}` : ''}`,
      );
      const expected = expectedSource[row.mode];
      // A tally key is the source, then what a render decoded (bench/load.ts tallyKey).
      if (expected && row.sources && Object.keys(row.sources).some((source) => source.split(' ')[0] !== expected)) {
        notes.push(
          `${row.workload} c${row.concurrency} ${row.mode}: expected every response from ${expected}, got ${JSON.stringify(row.sources)}`,
        );
      }
    };
    const imgPaths = (workload: (typeof workloads)[number], ks: number[]) =>
      ks.map((k) => `/img/${ids[workload.source]}/${workload.ops(k)}`);

    log('ladder quality guard');
    const logo = await makeLogo();
    const inputs = Object.fromEntries(
      Object.entries(data).map(([name, bytes]) => [name, { data: bytes, logo, loop: undefined, delay: undefined }]),
    ) as Record<SourceName, LimitInput>;
    scenarios.ladderQuality = await measureLadderQuality(origin.url, ids, inputs);

    await each(async (workload, concurrency, index, count) => {
      const ks = variantKs(options, 'cold', index, count, workload.weight);
      const paths = imgPaths(workload, ks);
      const ipxPaths = (chunk: number[]) => {
        if (!asksIpx(options, workload.slowIpx ?? false, concurrency)) return undefined;
        const modifiers = chunk.map((k) => workload.ipx(k));
        return modifiers.every((modifier): modifier is string => modifier !== undefined)
          ? modifiers.map((modifier) => `/${modifier}/${sources[workload.source]}`)
          : undefined;
      };
      const rows = await takeTurns({
        workload: workload.name,
        concurrency,
        gate,
        chunks: rounds(ks, concurrency, options.rounds),
        limit,
        ipx,
        origin,
        ipxPaths,
        imgPaths: (chunk) => imgPaths(workload, chunk),
        maxSeconds: options.maxPhaseSeconds * 3,
      });
      rows.forEach(record);
      const warm = await httpPhase({
        workload: workload.name,
        mode: 'warm',
        concurrency,
        server: origin,
        paths,
        requests: options.warm,
        maxSeconds: options.maxPhaseSeconds,
        tally: 'x-variant-source',
      });
      record(warm);
      if (wrk) {
        const seconds = options.quick ? 1 : 2;
        record(
          await wrkPhase({
            workload: workload.name,
            mode: 'warm-wrk',
            concurrency,
            server: origin,
            paths,
            seconds,
            outputBytes: warm.figures.outputBytes,
            work: context.work,
          }),
        );
      }
    });
    await ipx.stop();

    if (options.scenarios) {
      log('single flight');
      scenarios.singleFlight = await measureSingleFlight(origin.url, ids.jpeg12mp, options.singleFlight);
      log("fast-first: cold f_auto with Chromium's Accept against cold f_webp");
      scenarios.fastFirst = [];
      for (const width of FAST_FIRST_WIDTHS)
        scenarios.fastFirst.push(await measureFastFirst(origin.url, ids.jpeg12mp, { width, ...options.fastFirst, concurrency: 2 }));
      log('uploads');
      uploads.push(await measureUploadLimit(limit, data.jpeg12mp, options.uploads, 2, join(context.work, 'upload-limit')));
      await limit.stop();
      uploads.push(await measureSingleUploads(origin.url, origin.pid, data.jpeg12mp, options.uploads, 2));
      uploads.push(await measureMultipartUploads(origin.url, origin.pid, data.jpeg12mp, Math.max(2, options.uploads / 2), 2));
      // The limit's note describes it in the table; the others' notes say why a row is missing.
      for (const upload of uploads) if (upload.note && upload.kind !== 'limit') notes.push(`${upload.kind} uploads ${upload.note}`);
    }

    log('restarting the origin');
    await origin.stop();
    origin = await startOrigin(dataDir, options.renderConcurrency);
    if (options.scenarios) {
      log('8 concurrent 24 MP renders');
      scenarios.rss24mp = await measureRss24mp(origin.url, origin.pid, big, 0);
    }
    if (options.scenarios && !options.quick) {
      log('the 800 MB 16-bit TIFF: made, uploaded in parts, 3 renders at once (on a fresh origin)');
      const tiff = join(context.work, 'large.tif');
      await makeLargeTiff(tiff);
      await origin.stop();
      origin = await startOrigin(dataDir, options.renderConcurrency);
      scenarios.largeTiff = await measureLargeTiff(origin.url, origin.pid, tiff);
      await rm(tiff, { force: true });
    }
    await each(async (workload, concurrency, index, count) => {
      const paths = imgPaths(workload, variantKs(options, 'cold', index, count, workload.weight));
      record(
        await httpPhase({
          workload: workload.name,
          mode: 'stored',
          concurrency,
          server: origin,
          paths,
          requests: count,
          maxSeconds: options.maxPhaseSeconds,
          tally: 'x-variant-source',
        }),
      );
    });

    if (options.scenarios) {
      log(`leak check: ${options.leakTotal} mixed requests`);
      scenarios.leak = await measureLeak(
        origin.url,
        origin.pid,
        [ids.photo6mp, ids.pngAlpha, ids.gifAnimated, ids.jpeg12mp],
        options.leakFirst,
        options.leakTotal,
      );
    }

    if (options.edge) {
      log('starting the edge Worker (wrangler unstable_startWorker)');
      edge = await startEdge(origin.url);
      const server = { url: edge.url, pid: origin.pid };
      await each(async (workload, concurrency, index, count) => {
        const paths = imgPaths(workload, variantKs(options, 'edge', index, count, workload.weight));
        record(
          await httpPhase({
            workload: workload.name,
            mode: 'edge-miss',
            concurrency,
            server,
            paths,
            requests: count,
            maxSeconds: options.maxPhaseSeconds * 3,
            tally: 'x-edge-cache',
          }),
        );
        record(
          await httpPhase({
            workload: workload.name,
            mode: 'edge-hit',
            concurrency,
            server,
            paths,
            requests: options.edgeHits,
            maxSeconds: options.maxPhaseSeconds,
            tally: 'x-edge-cache',
          }),
        );
      });
      notes.push("edge rows: peak RSS is the origin's (the Worker runs in workerd)");
    } else {
      notes.push('edge rows skipped (--no-edge)');
    }
  } finally {
    await edge?.dispose();
    await Promise.allSettled([origin.stop(), limit.stop(), ipx.stop()]);
  }
  // Catalog scale (SPEC section 8: the full run only), with the servers stopped so it has the machine.
  if (options.scenarios && !options.quick) {
    log(`near-duplicate lookups at ${NEAR_DUPLICATE_ROWS} hashes of one tenant`);
    scenarios.nearDuplicates = await measureNearDuplicates(NEAR_DUPLICATE_ROWS, log);
  }
  return { rows, uploads, scenarios, notes, serverEnv, renderGate: gate };
}
