import type { Row, Scenarios, TargetResult, UploadFigures } from './report-types.ts';
import { findRow } from './table.ts';
import { ratio } from './stats.ts';
import { NEAR_DUPLICATE_DEFAULT } from './scenarios/near-duplicates.ts';
import { workloads } from './workloads.ts';

/** The targets of issues 7 and 20, with the thresholds in one place. */
export const thresholds = {
  /** Issue 20: workloads the render ladder does not serve (it restates issue 7's 0.9). */
  coldVsLimit: 0.95,
  /** Issue 20: where the ladder serves the output, cold ≥ 2 × raw sharp on the original. */
  ladderVsLimit: 2,
  /** Issue 7: never slower than ipx. */
  coldVsIpx: 1,
  /** Issue 20: the 12 MP JPEG workloads the ladder serves, against ipx. */
  ladderVsIpx: 2.4,
  /** Issue 20's quality guard: the ladder render's PSNR at most this far below the direct render's. */
  ladderPsnrLossDb: 0.1,
  /**
   * Issue 20 as SPEC section 8 settles it: upload speed is a ratio, each upload row ≥ this × the
   * in-process upload limit (sha256 + write + the same validation) measured in the same run.
   */
  uploadVsLimit: 0.8,
  warmVsCold: 20,
  warmP99Ms: 10,
  warmConcurrency: 8,
  rss24mpMiB: 700,
  /** Issue 20: the 800 MB TIFF's upload and renders each peak under this, like the 24 MP renders. */
  largeTiffMiB: 700,
  /** Issue 20: idle RSS after big renders within this fraction of idle RSS before them. */
  idleGrowth: 0.15,
  leakGrowth: 0.15,
  nearDuplicateP95Ms: 100,
  /** Issue 20: p95 of cold f_auto misses (Chromium's Accept) at most this × that of cold f_webp renders. */
  fastFirstVsWebpP95: 1.5,
} as const;

/** Whether the origin should render a workload from a mezzanine; workloads the bench does not define do not. */
export function servedByLadder(workload: string): boolean {
  return workloads.find((candidate) => candidate.name === workload)?.ladder ?? false;
}

/** cold ÷ limit a workload is held to: 2 × where the ladder serves it, else 0.95 ×. */
export function limitMinimum(workload: string): number {
  return servedByLadder(workload) ? thresholds.ladderVsLimit : thresholds.coldVsLimit;
}

export function evaluateTargets(rows: readonly Row[], scenarios: Scenarios, uploads: readonly UploadFigures[] = []): TargetResult[] {
  const workloadNames = [...new Set(rows.map((row) => row.workload))];
  const concurrencies = [...new Set(rows.map((row) => row.concurrency))].sort((a, b) => a - b);
  return [
    ...workloadNames.map((workload) => limitTarget(rows, workload, concurrencies)),
    ...workloadNames.map((workload) => {
      const minimum = servedByLadder(workload) ? thresholds.ladderVsIpx : thresholds.coldVsIpx;
      return compare(rows, workload, concurrencies, 'ipx', minimum, `cold ≥ ${minimum} × ipx, ${workload}`);
    }),
    ...ladderQualityTargets(scenarios),
    ...workloadNames.map((workload) => warmTarget(rows, workload)),
    ...uploadTargets(uploads),
    rssTarget(scenarios),
    idleTarget('8 concurrent 24 MP renders', scenarios.rss24mp),
    largeTiffTarget(scenarios),
    idleTarget('the 800 MB TIFF renders', scenarios.largeTiff),
    leakTarget(scenarios),
    singleFlightTarget(scenarios),
    ...fastFirstTargets(scenarios),
    ...nearDuplicateTargets(scenarios),
  ];
}

/**
 * Cold against raw sharp on the original, at the workload's minimum; it also fails when the cold
 * renders did not decode what the workload expects (every one a mezzanine, or none), since the
 * minimum follows from that.
 */
function limitTarget(rows: readonly Row[], workload: string, concurrencies: number[]): TargetResult {
  const ladder = servedByLadder(workload);
  const minimum = limitMinimum(workload);
  const result = compare(
    rows,
    workload,
    concurrencies,
    'limit',
    minimum,
    `cold ≥ ${minimum} × limit, ${workload} (${ladder ? 'from the ladder' : 'ladder not used'})`,
  );
  const decoded = decodedTally(rows, workload);
  const wrong = Object.keys(decoded).filter((source) => source.startsWith('ladder-') !== ladder);
  if (wrong.length === 0 || result.pass === undefined) return result;
  return {
    ...result,
    pass: false,
    detail: `${result.detail}; cold renders decoded ${JSON.stringify(decoded)}, expected ${ladder ? 'a mezzanine' : 'the original'}`,
  };
}

/** What the cold rows' renders decoded (Server-Timing's decode entry, bench/load.ts tallyKey), summed over concurrencies. */
export function decodedTally(rows: readonly Row[], workload: string): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const row of rows) {
    if (row.workload !== workload || row.mode !== 'cold') continue;
    for (const [key, count] of Object.entries(row.sources ?? {})) {
      const [source, decoded] = key.split(' ');
      if (source !== 'render' || decoded === undefined) continue;
      tally[decoded] = (tally[decoded] ?? 0) + count;
    }
  }
  return tally;
}

/** Issue 20's quality guard: PSNR of the ladder render and of the direct render against the lossless no-shrink reference. */
function ladderQualityTargets(scenarios: Scenarios): TargetResult[] {
  const loss = thresholds.ladderPsnrLossDb;
  const name = (what: string) => `ladder render PSNR ≥ the direct render's − ${loss} dB, ${what}`;
  const run = scenarios.ladderQuality;
  if (!run) return [{ name: name('ladder workloads'), pass: undefined, detail: 'not measured' }];
  return run.map((figures) => ({
    name: name(`${figures.workload} ${figures.ops}`),
    pass:
      (figures.expected ? figures.decoded === figures.expected : figures.decoded.startsWith('ladder-')) &&
      figures.ladderPsnr >= figures.directPsnr - loss,
    detail: `${figures.width}×${figures.height}: origin ${figures.ladderPsnr.toFixed(2)} dB decoded from ${figures.decoded}${figures.expected && figures.expected !== figures.decoded ? ` (the 2 × rule: ${figures.expected})` : ''}, direct ${figures.directPsnr.toFixed(2)} dB (${signed(figures.ladderPsnr - figures.directPsnr, 2)} dB; bytes ${figures.ladderBytes} vs ${figures.directBytes})`,
  }));
}

/** Issue 20 (SPEC section 8): each upload row ≥ 0.8 × the upload limit measured in the same run. */
function uploadTargets(uploads: readonly UploadFigures[]): TargetResult[] {
  const limit = uploads.find((upload) => upload.kind === 'limit');
  return (['single', 'multipart'] as const).map((kind) => {
    const name = `${kind} upload ≥ ${thresholds.uploadVsLimit} × the upload limit`;
    const upload = uploads.find((candidate) => candidate.kind === kind);
    if (upload?.mbPerSecond === undefined) return { name, pass: undefined, detail: upload?.note ?? 'not measured' };
    const share = ratio(upload.mbPerSecond, limit?.mbPerSecond);
    if (limit?.mbPerSecond === undefined || share === undefined)
      return { name, pass: undefined, detail: `${upload.mbPerSecond.toFixed(1)} MB/s; no upload limit measured` };
    return {
      name,
      pass: share >= thresholds.uploadVsLimit && upload.errors === 0,
      detail: `${upload.mbPerSecond.toFixed(1)} MB/s over ${upload.files} files at c${upload.concurrency}, upload limit ${limit.mbPerSecond.toFixed(1)} MB/s: ${share.toFixed(2)}×${upload.errors ? `, ${upload.errors} errors` : ''}`,
    };
  });
}

/** Issue 15: p95 of one near-duplicate lookup (at the default distance) at 1 M hashes of one tenant, per engine. */
function nearDuplicateTargets(scenarios: Scenarios): TargetResult[] {
  const name = (engine: string) => `near-duplicate lookup p95 < ${thresholds.nearDuplicateP95Ms} ms at 1 M hashes of one tenant, ${engine}`;
  const run = scenarios.nearDuplicates;
  if (!run)
    return ['sqlite', 'postgres'].map((engine) => ({ name: name(engine), pass: undefined, detail: 'not measured (full run only)' }));
  return [
    ...run.engines.map((engine) => {
      const lookup = engine.lookups.find((figures) => figures.maxDistance === NEAR_DUPLICATE_DEFAULT) ?? engine.lookups[0];
      const p95 = lookup?.p95Ms ?? Number.NaN;
      return {
        name: name(engine.engine),
        pass: p95 < thresholds.nearDuplicateP95Ms && engine.plantedFound === engine.planted && engine.rows >= 1_000_000,
        detail: `p95 ${p95.toFixed(1)} ms (p50 ${lookup?.p50Ms.toFixed(1) ?? '–'}) over ${engine.rows} rows, ~${lookup?.medianCandidates ?? '–'} candidates a lookup, full scan ${engine.scanMedianMs.toFixed(0)} ms, planted copies found ${engine.plantedFound}/${engine.planted}`,
      };
    }),
    ...run.skipped.map((skipped) => ({ name: name(skipped.split(':')[0] ?? skipped), pass: undefined, detail: skipped })),
  ];
}

/**
 * Not a target of the issue: cold against raw sharp held to the origin's render gate (limit-gate
 * rows, measured where the concurrency exceeds the gate). Where these pass and the targets against
 * the free-running limit fail, the gap is the gate setting, not the stack.
 */
export function evaluateAtGate(rows: readonly Row[]): TargetResult[] {
  const gated = rows.filter((row) => row.mode === 'limit-gate');
  const workloads = [...new Set(gated.map((row) => row.workload))];
  const concurrencies = [...new Set(gated.map((row) => row.concurrency))].sort((a, b) => a - b);
  return workloads.map((workload) =>
    compare(
      rows,
      workload,
      concurrencies,
      'limit-gate',
      limitMinimum(workload),
      `cold ≥ ${limitMinimum(workload)} × limit-gate, ${workload}`,
    ),
  );
}

/** Cold throughput against a reference mode, at every concurrency; fails on the worst one. */
function compare(
  rows: readonly Row[],
  workload: string,
  concurrencies: number[],
  against: 'limit' | 'limit-gate' | 'ipx',
  minimum: number,
  name: string,
): TargetResult {
  const parts: string[] = [];
  let pass: boolean | undefined = true;
  let measured = 0;
  for (const concurrency of concurrencies) {
    const cold = findRow(rows, workload, 'cold', concurrency)?.figures;
    const reference = findRow(rows, workload, against, concurrency)?.figures;
    const value = ratio(cold?.rps, reference?.rps);
    if (!cold || !reference || value === undefined || cold.errors > 0 || reference.errors > 0) continue;
    measured++;
    parts.push(`c${concurrency} ${cold.rps.toFixed(1)}/${reference.rps.toFixed(1)} req/s = ${value.toFixed(2)}×`);
    if (value < minimum) pass = false;
  }
  if (measured === 0)
    return {
      name,
      pass: undefined,
      detail: `no error-free ${against} and cold rows (${against === 'ipx' ? 'ipx has no equivalent' : 'not measured'})`,
    };
  return { name, pass, detail: parts.join('; ') };
}

/**
 * Throughput from the undici client's warm row (the same instrument as the cold row); the p99 from
 * wrk's row when there is one, because the undici client's own pauses dominate its tail (wrk.ts).
 */
function warmTarget(rows: readonly Row[], workload: string): TargetResult {
  const c = thresholds.warmConcurrency;
  const name = `memory hits ≥ ${thresholds.warmVsCold} × cold and p99 < ${thresholds.warmP99Ms} ms at c${c}, ${workload}`;
  const warm = findRow(rows, workload, 'warm', c)?.figures;
  const cold = findRow(rows, workload, 'cold', c)?.figures;
  const byWrk = findRow(rows, workload, 'warm-wrk', c)?.figures;
  const value = ratio(warm?.rps, cold?.rps);
  if (!warm || !cold || value === undefined) return { name, pass: undefined, detail: 'not measured' };
  const tail = byWrk ?? warm;
  const errors = warm.errors + (byWrk?.errors ?? 0);
  const pass = value >= thresholds.warmVsCold && tail.p99 < thresholds.warmP99Ms && errors === 0;
  const p99 = byWrk
    ? `p99 ${byWrk.p99.toFixed(2)} ms by wrk (undici client ${warm.p99.toFixed(2)} ms)`
    : `p99 ${warm.p99.toFixed(2)} ms by the undici client (no wrk)`;
  return {
    name,
    pass,
    detail: `${warm.rps.toFixed(0)} vs ${cold.rps.toFixed(1)} req/s = ${value.toFixed(1)}×, ${p99}${errors ? `, ${errors} errors` : ''}`,
  };
}

function rssTarget(scenarios: Scenarios): TargetResult {
  const name = `peak RSS under 8 concurrent 24 MP renders < ${thresholds.rss24mpMiB} MiB`;
  const run = scenarios.rss24mp;
  if (!run) return { name, pass: undefined, detail: 'not measured' };
  const pass = run.peakRssMiB < thresholds.rss24mpMiB && run.ok === run.requests;
  return {
    name,
    pass,
    detail: `VmRSS ${run.peakRssMiB.toFixed(0)} MiB (anonymous ${run.peakAnonMiB.toFixed(0)} MiB), ${run.ok}/${run.requests} answered 200 in ${run.seconds.toFixed(1)} s`,
  };
}

function largeTiffTarget(scenarios: Scenarios): TargetResult {
  const name = `peak RSS of the 800 MB 16-bit TIFF's upload and of 3 concurrent renders of it < ${thresholds.largeTiffMiB} MiB`;
  const run = scenarios.largeTiff;
  if (!run) return { name, pass: undefined, detail: 'not measured (full runs only)' };
  const pass = run.uploadPeakRssMiB < thresholds.largeTiffMiB && run.renderPeakRssMiB < thresholds.largeTiffMiB && run.ok === run.requests;
  return {
    name,
    pass,
    detail: `upload ${run.uploadPeakRssMiB.toFixed(0)} MiB in ${run.uploadSeconds.toFixed(1)} s, renders ${run.renderPeakRssMiB.toFixed(0)} MiB (${run.ok}/${run.requests} answered 200 in ${run.renderSeconds.toFixed(1)} s)`,
  };
}

/**
 * Idle RSS after a scenario's renders back within thresholds.idleGrowth of idle RSS before them,
 * with the default caches (SPEC section 8); the detail adds what the caches held at each reading
 * and the growth net of them, so a retention can be told from what the caches rightly keep.
 */
type IdleRun = { idleBeforeMiB?: number; idleAfterMiB?: number; cachesBeforeMiB?: number; cachesAfterMiB?: number };

function idleTarget(what: string, run: IdleRun | undefined): TargetResult {
  const name = `idle RSS after ${what} within ${thresholds.idleGrowth * 100} % of idle RSS before`;
  if (run?.idleBeforeMiB === undefined || run.idleAfterMiB === undefined) return { name, pass: undefined, detail: 'not measured' };
  const growth = run.idleAfterMiB / run.idleBeforeMiB - 1;
  const caches =
    run.cachesBeforeMiB === undefined || run.cachesAfterMiB === undefined
      ? ''
      : `; the memory caches held ${run.cachesBeforeMiB.toFixed(0)} → ${run.cachesAfterMiB.toFixed(0)} MiB, net of them ${percent(
          (run.idleAfterMiB - run.cachesAfterMiB) / (run.idleBeforeMiB - run.cachesBeforeMiB) - 1,
        )}`;
  return {
    name,
    pass: growth <= thresholds.idleGrowth,
    detail: `${run.idleBeforeMiB.toFixed(0)} → ${run.idleAfterMiB.toFixed(0)} MiB (${percent(growth)})${caches}`,
  };
}

function percent(growth: number): string {
  return `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %`;
}

function leakTarget(scenarios: Scenarios): TargetResult {
  const run = scenarios.leak;
  const name = `RSS after ${run?.total ?? 5000} mixed requests within ${thresholds.leakGrowth * 100} % of RSS after ${run?.first ?? 500}`;
  if (!run) return { name, pass: undefined, detail: 'not measured' };
  const growth = (run.rssAllMiB - run.rssFirstMiB) / run.rssFirstMiB;
  const pass = Math.abs(growth) <= thresholds.leakGrowth && run.errors === 0;
  return {
    name,
    pass,
    detail: `${run.rssFirstMiB.toFixed(0)} → ${run.rssAllMiB.toFixed(0)} MiB (${signed(growth * 100)} %; anonymous ${run.anonFirstMiB.toFixed(0)} → ${run.anonAllMiB.toFixed(0)} MiB)${run.errors ? `, ${run.errors} unexpected statuses` : ''}`,
  };
}

function singleFlightTarget(scenarios: Scenarios): TargetResult {
  const run = scenarios.singleFlight;
  const name = `${run?.requests ?? 100} concurrent identical cold requests: exactly one render, all answered`;
  if (!run) return { name, pass: undefined, detail: 'not measured' };
  return {
    name,
    pass: run.renders === 1 && run.answered === run.requests,
    detail: `${run.renders} render(s), ${run.answered}/${run.requests} answered 200`,
  };
}

/** Issue 20: the first viewer of an f_auto variant waits no longer than for a WebP, give or take half. */
function fastFirstTargets(scenarios: Scenarios): TargetResult[] {
  const limit = thresholds.fastFirstVsWebpP95;
  const name = (width: number | string) =>
    `cold f_auto p95 ≤ ${limit} × cold f_webp p95, 12 MP JPEG at w_${width}, Chromium's Accept (FAST_FIRST_MS default)`;
  const runs = scenarios.fastFirst;
  if (!runs || runs.length === 0) return [{ name: name('800/1200'), pass: undefined, detail: 'not measured' }];
  return runs.map((run) => {
    const value = ratio(run.auto.p95, run.webp.p95);
    const errors = run.auto.errors + run.webp.errors;
    const answers = JSON.stringify(run.autoAnswers);
    return {
      name: name(run.width),
      pass: value !== undefined && value <= limit && errors === 0,
      detail: `${run.auto.p95.toFixed(0)} / ${run.webp.p95.toFixed(0)} ms = ${value?.toFixed(2) ?? '–'}× (p50 ${run.auto.p50.toFixed(0)} / ${run.webp.p50.toFixed(0)} ms), ${run.auto.requests} + ${run.webp.requests} requests at c${run.concurrency}; f_auto answered ${answers}${errors ? `, ${errors} errors` : ''}`,
    };
  });
}

function signed(value: number, digits = 1): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}
