import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { runLoad, type LoadResult } from '../load.ts';
import { sumMetric, uploadImage } from '../origin-api.ts';
import { repoRoot, startScriptEnv, startServer } from '../processes.ts';
import type { FastFirstFigures } from '../report-types.ts';
import { summarize, type Sample } from '../stats.ts';
import { describeMachine } from '../machine.ts';

/**
 * The widths measured: 800 is the 12 MP workloads' size, where JPEG XL is estimated at 190 ms of
 * encoding (under FAST_FIRST_MS, so the viewer waits for it); at 1200 it is 430 ms (fast-first).
 */
export const FAST_FIRST_WIDTHS = [800, 1200] as const;

/** What Chromium sends for images on these machines: f_auto answers JPEG XL. */
export const CHROMIUM_ACCEPT = 'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

export interface FastFirstPlan {
  /** Output width of the k = 0 variant; the k-th is `width - k` px, a new variant each. */
  width: number;
  /** Cold requests per mode and round. */
  perRound: number;
  rounds: number;
  concurrency: number;
}

/**
 * Issue 20's fast-first target: cold `f_auto` misses on the 12 MP JPEG with Chromium's Accept
 * against cold `f_webp` renders of the same size, p95 of the time to the whole response. The two
 * take turns, round by round, on variants nobody asked for (f_auto's fast answer is the WebP
 * variant of its own ops, so the two modes never share a width). After each f_auto round the
 * background upgrades it started are let finish, so they weigh on that round's neighbours only
 * as much as they overlap it, not on the next f_webp round.
 */
export async function measureFastFirst(origin: string, imageId: string, plan: FastFirstPlan): Promise<FastFirstFigures> {
  const webp: Sample[] = [];
  const auto: Sample[] = [];
  const answers: Record<string, number> = {};
  let k = 0;
  const widths = () => Array.from({ length: plan.perRound }, () => plan.width - k++);
  for (let round = 0; round < plan.rounds; round++) {
    const webpWidths = widths();
    webp.push(...(await cold(origin, webpWidths, (width) => `/img/${imageId}/w_${width},f_webp`, 'image/webp,*/*')).samples);
    const autoWidths = widths();
    const result = await cold(origin, autoWidths, (width) => `/img/${imageId}/w_${width},f_auto`, CHROMIUM_ACCEPT);
    auto.push(...result.samples);
    for (const [type, count] of Object.entries(result.tally)) answers[type] = (answers[type] ?? 0) + count;
    await idle(origin);
  }
  const figures = (samples: Sample[]) => {
    const summary = summarize(samples, 1, undefined);
    return { requests: summary.requests, errors: summary.errors, p50: summary.p50, p95: summary.p95 };
  };
  return {
    width: plan.width,
    ops: `w_${plan.width}…w_${plan.width - k + 1}`,
    concurrency: plan.concurrency,
    webp: figures(webp),
    auto: figures(auto),
    autoAnswers: answers,
  };

  function cold(base: string, list: number[], path: (width: number) => string, accept: string): Promise<LoadResult> {
    return runLoad({
      origin: base,
      path: (index) => path(list[index] ?? plan.width),
      requests: list.length,
      concurrency: plan.concurrency,
      maxSeconds: 120,
      headers: { accept },
      tally: 'content-type',
    });
  }
}

/** Until no render runs or waits (the background upgrades included), or two minutes. */
async function idle(origin: string): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const text = await (await request(`${origin}/metrics`)).body.text();
    if (sumMetric(text, 'pixelfront_renders_in_flight') + sumMetric(text, 'pixelfront_render_queue_length') === 0) return;
    await sleep(100);
  }
}

/**
 * Standalone (the full bench runs it among its scenarios): `node --import tsx
 * bench/scenarios/fast-first.ts [width] [perRound] [rounds]` starts an origin from the sources
 * (with the start script's environment, defaults otherwise), uploads the 12 MP photo and prints the figures.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [width = 1200, perRound = 8, rounds = 3] = process.argv.slice(2).map(Number);
  const dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-fast-first-'));
  const server = await startServer(process.execPath, ['--import', 'tsx', 'origin/main.ts'], {
    env: { ...process.env, ...(await startScriptEnv()), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    urlPattern: /"url":"(http:\/\/[^"]+)"/,
  });
  try {
    const photo = await readFile(join(repoRoot, '../shared/corpus/edge/jpeg_large_12mp_4032x3024.jpg'));
    const id = await uploadImage(server.url, photo, 'image/jpeg');
    const loadBefore = describeMachine().loadAverage;
    const figures = await measureFastFirst(server.url, id, { width, perRound, rounds, concurrency: 2 });
    console.log(JSON.stringify({ ...figures, loadAverage: { before: loadBefore, after: describeMachine().loadAverage } }, null, 2));
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
