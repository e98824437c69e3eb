/**
 * The capacity model (docs/capacity.md): from the figures a benchmark run measured on its machine
 * (CPU milliseconds per request by workload and mode, upload MB/s) and the stated assumptions
 * below, the cores and replicas each role needs, the edge hit ratio a given fleet can hold, and the
 * storage and its monthly cost. `npm run capacity [results.json]` rewrites the tables in
 * docs/capacity.md from the newest full run in bench/results/ (or the file given).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row, UploadFigures } from './report-types.ts';
import { newestFullRun, resultsFileName } from './results-file.ts';

export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { nproc: number; cpu: string };
  options?: { renderConcurrency?: number | undefined };
  rows: Row[];
  uploads: UploadFigures[];
}

/** Every number the model assumes rather than measures; docs/capacity.md states each. */
export const assumptions = {
  requestsPerDay: 10_000_000,
  uploadsPerDay: 100_000,
  edgeHitRatio: 0.9,
  peakToAverage: 3,
  /** Of the requests reaching the origin: answered from its memory cache, from storage, or rendered. */
  originMix: { memory: 0.2, stored: 0.4, cold: 0.4 },
  /** Which transforms the cold renders are, by benchmark workload. */
  coldWorkloads: {
    'jpeg-w800': 0.3,
    'jpeg-fill-webp': 0.3,
    'jpeg-avif': 0.1,
    'png-webp': 0.1,
    'jpeg-watermark': 0.1,
    'gif-webp': 0.1,
  } as Record<string, number>,
  /** CPU a role may use at peak before it scales out (the autoscalers' 70 % target). */
  targetUtilisation: 0.7,
  coresPerReplica: 2,
  zones: 3,
  averageUploadMB: 4,
  originalsTB: 100,
  /** The 1600 px q90 4:4:4 JPEG mezzanine of the 12 MP photo (541 KiB; README, Render ladder). */
  mezzanineMB: 0.55,
  variantTtlDays: 7,
  /** List prices in USD, as the providers published them in 2025 (not re-checked here: no network). */
  prices: {
    s3PerGBMonth: [
      { uptoTB: 50, usd: 0.023 },
      { uptoTB: 500, usd: 0.022 },
      { uptoTB: Infinity, usd: 0.021 },
    ],
    s3PutPerMillion: 5,
    s3GetPerMillion: 0.4,
    r2PerGBMonth: 0.015,
    r2ClassAPerMillion: 4.5,
    r2ClassBPerMillion: 0.36,
  },
};
export type Assumptions = typeof assumptions;

const secondsPerDay = 86_400;

/** A workload's row in a mode at the highest concurrency measured (the saturated figure). */
function saturated(results: BenchResults, workload: string, mode: Row['mode']): Row['figures'] | undefined {
  const rows = results.rows.filter((row) => row.workload === workload && row.mode === mode).sort((a, b) => b.concurrency - a.concurrency);
  return rows[0]?.figures;
}

/** CPU ms per request of a workload in a mode (the origin's, all threads), saturated. */
function cpuMs(results: BenchResults, workload: string, mode: Row['mode']): number {
  const value = saturated(results, workload, mode)?.cpuMsPerRequest;
  if (value === undefined) throw new Error(`the results have no ${mode} row for ${workload}`);
  return value;
}

function outputBytes(results: BenchResults, workload: string): number {
  return results.rows.find((row) => row.workload === workload && row.mode === 'cold')?.figures.outputBytes ?? 0;
}

const weighted = (weights: Record<string, number>, value: (workload: string) => number) =>
  Object.entries(weights).reduce((sum, [workload, weight]) => sum + weight * value(workload), 0);

export interface Role {
  role: string;
  peakPerSecond: number;
  cpuMsPerRequest: number;
  cores: number;
  replicas: number;
}

/** The benchmark's figures the model reads, per core where the model uses them per core. */
export interface Measured {
  workloads: {
    workload: string;
    /** Its share of the cold renders (an assumption, shown beside what it weights). */
    share: number;
    coldPerCore: number;
    storedPerCore: number;
    memoryPerCore: number;
    /** Edge hits per second through the Worker in workerd on the benchmark machine, and what each cost the origin. */
    edgeHitsPerSecond: number | undefined;
    edgeHitOriginCpuMs: number | undefined;
  }[];
  uploadMBPerCore: { single: number; multipart: number };
}

export interface Capacity {
  measured: Measured;
  roles: Role[];
  /** Delivery cores needed at other edge hit ratios. */
  hitRatios: { hitRatio: number; deliveryCores: number; deliveryReplicas: number }[];
  /** The bound: every one of the day's requests a cold render (no edge, memory or storage hit). */
  allCold: Role;
  /** The lowest edge hit ratio a delivery fleet of N replicas holds at peak. */
  fleets: { replicas: number; minHitRatio: number }[];
  storage: {
    originalsTB: number;
    images: number;
    mezzaninesTB: number;
    variantsTB: number;
    totalTB: number;
    s3MonthlyUsd: number;
    r2MonthlyUsd: number;
  };
}

/** Replicas for a role: enough cores with one zone lost, and at least one replica per zone. */
function replicasFor(cores: number, a: Assumptions): number {
  const needed = Math.ceil(cores / a.coresPerReplica);
  // The zones left after one fails must still carry the peak: scale by zones / (zones − 1).
  return Math.max(a.zones, Math.ceil((needed * a.zones) / (a.zones - 1)));
}

export function capacity(results: BenchResults, a: Assumptions = assumptions): Capacity {
  const originPerSecond = (hitRatio: number) => ((a.requestsPerDay * (1 - hitRatio)) / secondsPerDay) * a.peakToAverage;
  const coldMs = weighted(a.coldWorkloads, (workload) => cpuMs(results, workload, 'cold'));
  const storedMs = weighted(a.coldWorkloads, (workload) => cpuMs(results, workload, 'stored'));
  const memoryMs = weighted(a.coldWorkloads, (workload) => cpuMs(results, workload, 'warm'));
  const deliveryMs = a.originMix.cold * coldMs + a.originMix.stored * storedMs + a.originMix.memory * memoryMs;
  const coresAt = (perSecond: number, ms: number) => (perSecond * ms) / 1000 / a.targetUtilisation;

  const sized = (role: string, peakPerSecond: number, cpuMsPerRequest: number): Role => {
    const cores = coresAt(peakPerSecond, cpuMsPerRequest);
    return { role, peakPerSecond, cpuMsPerRequest, cores, replicas: replicasFor(cores, a) };
  };

  const single = results.uploads.find((upload) => upload.kind === 'single')?.mbPerSecond;
  const multipart = results.uploads.find((upload) => upload.kind === 'multipart')?.mbPerSecond;
  if (single === undefined || multipart === undefined) throw new Error('the results have no upload rows');
  const uploadPeak = (a.uploadsPerDay / secondsPerDay) * a.peakToAverage;
  const perCore = (ms: number) => 1000 / ms;
  const measured: Measured = {
    workloads: Object.entries(a.coldWorkloads).map(([workload, share]) => ({
      workload,
      share,
      coldPerCore: perCore(cpuMs(results, workload, 'cold')),
      storedPerCore: perCore(cpuMs(results, workload, 'stored')),
      memoryPerCore: perCore(cpuMs(results, workload, 'warm')),
      edgeHitsPerSecond: saturated(results, workload, 'edge-hit')?.rps,
      edgeHitOriginCpuMs: saturated(results, workload, 'edge-hit')?.cpuMsPerRequest,
    })),
    uploadMBPerCore: { single: single / results.machine.nproc, multipart: multipart / results.machine.nproc },
  };
  // MB/s per core: the benchmark's rate over the machine's cores (a floor: the upload may not fill both).
  const uploadMs = (mbPerSecond: number) => (a.averageUploadMB / (mbPerSecond / results.machine.nproc)) * 1000;
  const roles = [
    sized('delivery', originPerSecond(a.edgeHitRatio), deliveryMs),
    sized('upload', uploadPeak, uploadMs(single)),
    // Multipart is taken as a tenth of the uploads (the large files), at the multipart rate.
    sized('multipart', uploadPeak / 10, uploadMs(multipart)),
  ];

  const hitRatios = [0.8, 0.9, 0.95, 0.98, 0.99].map((hitRatio) => {
    const { cores, replicas } = sized('delivery', originPerSecond(hitRatio), deliveryMs);
    return { hitRatio, deliveryCores: cores, deliveryReplicas: replicas };
  });
  const allCold = sized('delivery', originPerSecond(0), coldMs);
  const fleets = [3, 6, 12, 24].map((replicas) => {
    // Cores that carry the peak with one zone down, at the target utilisation.
    const cores = ((replicas * (a.zones - 1)) / a.zones) * a.coresPerReplica;
    const perSecond = (cores * a.targetUtilisation * 1000) / deliveryMs;
    const minHitRatio = Math.max(0, 1 - (perSecond * secondsPerDay) / (a.requestsPerDay * a.peakToAverage));
    return { replicas, minHitRatio };
  });

  const images = (a.originalsTB * 1e6) / a.averageUploadMB;
  const mezzaninesTB = (images * a.mezzanineMB) / 1e6;
  const variantBytes = weighted(a.coldWorkloads, (workload) => outputBytes(results, workload));
  const coldPerDay = a.requestsPerDay * (1 - a.edgeHitRatio) * a.originMix.cold;
  const variantsTB = (coldPerDay * a.variantTtlDays * variantBytes) / 1e12;
  const totalTB = a.originalsTB + mezzaninesTB + variantsTB;
  const s3Storage = tieredUsd(totalTB * 1000, a.prices.s3PerGBMonth);
  const writesPerMonth = (coldPerDay + a.uploadsPerDay * 2) * 30; // a variant, or an original and its mezzanine
  const readsPerMonth = a.requestsPerDay * (1 - a.edgeHitRatio) * (a.originMix.stored + a.originMix.cold) * 30;
  const s3MonthlyUsd = s3Storage + (writesPerMonth / 1e6) * a.prices.s3PutPerMillion + (readsPerMonth / 1e6) * a.prices.s3GetPerMillion;
  const r2MonthlyUsd =
    totalTB * 1000 * a.prices.r2PerGBMonth +
    (writesPerMonth / 1e6) * a.prices.r2ClassAPerMillion +
    (readsPerMonth / 1e6) * a.prices.r2ClassBPerMillion;
  return {
    measured,
    roles,
    hitRatios,
    allCold,
    fleets,
    storage: { originalsTB: a.originalsTB, images, mezzaninesTB, variantsTB, totalTB, s3MonthlyUsd, r2MonthlyUsd },
  };
}

function tieredUsd(gb: number, tiers: readonly { uptoTB: number; usd: number }[]): number {
  let usd = 0;
  let floorGB = 0;
  for (const tier of tiers) {
    const ceilingGB = tier.uptoTB * 1000;
    usd += Math.max(0, Math.min(gb, ceilingGB) - floorGB) * tier.usd;
    floorGB = ceilingGB;
  }
  return usd;
}

const fixed = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (value: number) => `${fixed(value * 100, value > 0.99 ? 2 : 1)} %`;

/** The tables of docs/capacity.md, as Markdown. */
export function capacityTables(results: BenchResults, a: Assumptions = assumptions): string {
  const model = capacity(results, a);
  const source = resultsFileName(results.date, { quick: results.quick, renderConcurrency: results.options?.renderConcurrency });
  const optional = (value: number | undefined, digits: number) => (value === undefined ? '—' : fixed(value, digits));
  const lines = [
    `Computed by \`npm run capacity\` from \`bench/results/${source}\` (${String(results.machine.nproc)} × ${results.machine.cpu}).`,
    '',
    "Measured (per core: 1000 ÷ the origin's CPU ms per request, all threads, at the highest concurrency run):",
    '',
    '| workload | share of cold renders | cold renders/s per core | stored variants/s per core | memory hits/s per core | edge hits/s (workerd, whole machine) | origin CPU ms per edge hit |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...model.measured.workloads.map(
      (row) =>
        `| ${row.workload} | ${percent(row.share)} | ${fixed(row.coldPerCore, 2)} | ${fixed(row.storedPerCore, 0)} | ${fixed(row.memoryPerCore, 0)} | ${optional(row.edgeHitsPerSecond, 0)} | ${optional(row.edgeHitOriginCpuMs, 2)} |`,
    ),
    '',
    `Uploads: ${fixed(model.measured.uploadMBPerCore.single)} MB/s per core single, ${fixed(model.measured.uploadMBPerCore.multipart)} MB/s per core multipart (the benchmark's rate ÷ its ${String(results.machine.nproc)} cores).`,
    '',
    '| role | peak requests/s | CPU ms per request | cores at peak | replicas (3 zones, one may fail) |',
    '|---|---:|---:|---:|---:|',
    ...model.roles.map(
      (role) =>
        `| ${role.role} | ${fixed(role.peakPerSecond)} | ${fixed(role.cpuMsPerRequest)} | ${fixed(role.cores)} | ${String(role.replicas)} |`,
    ),
    `| api | — | — | — | ${String(a.zones)} (one per zone; light) |`,
    '',
    '| edge hit ratio | delivery cores at peak | delivery replicas |',
    '|---:|---:|---:|',
    ...model.hitRatios.map((row) => `| ${percent(row.hitRatio)} | ${fixed(row.deliveryCores)} | ${String(row.deliveryReplicas)} |`),
    '',
    `The bound: if all ${fixed(a.requestsPerDay / 1e6, 0)} M requests a day were cold renders (no edge, memory or storage hit), delivery would need ${fixed(model.allCold.cores)} cores at peak (${fixed(model.allCold.peakPerSecond)} renders/s × ${fixed(model.allCold.cpuMsPerRequest)} ms), ${String(model.allCold.replicas)} replicas.`,
    '',
    '| delivery replicas | lowest edge hit ratio they hold at peak, one zone down |',
    '|---:|---:|',
    ...model.fleets.map((row) => `| ${String(row.replicas)} | ${percent(row.minHitRatio)} |`),
    '',
    '| storage | TB |',
    '|---|---:|',
    `| originals (${fixed(model.storage.images / 1e6)} M images of ${String(a.averageUploadMB)} MB) | ${fixed(model.storage.originalsTB)} |`,
    `| ladder mezzanines (${String(a.mezzanineMB)} MB each) | ${fixed(model.storage.mezzaninesTB)} |`,
    `| variants, ${String(a.variantTtlDays)} days | ${fixed(model.storage.variantsTB, 2)} |`,
    `| total | ${fixed(model.storage.totalTB)} |`,
    '',
    `Monthly: S3 Standard ≈ $${fixed(model.storage.s3MonthlyUsd, 0)}, R2 ≈ $${fixed(model.storage.r2MonthlyUsd, 0)} (storage plus writes and origin reads; egress not included: R2 charges none, S3 to the internet is billed separately).`,
  ];
  return lines.join('\n');
}

const begin = '<!-- capacity:begin -->';
const end = '<!-- capacity:end -->';

/** The newest full run at the default gate (not --quick, not -rcN, not another benchmark's file). */
async function latestResults(folder: string): Promise<string> {
  const last = newestFullRun(await readdir(folder));
  if (last === undefined) throw new Error(`no full benchmark results in ${folder}: run npm run bench`);
  return join(folder, last);
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const file = process.argv[2] ?? (await latestResults(join(root, 'bench/results')));
  const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  const docPath = join(root, 'docs/capacity.md');
  const doc = await readFile(docPath, 'utf8');
  const [before, rest] = doc.split(begin);
  const after = rest?.split(end)[1];
  if (before === undefined || after === undefined) throw new Error(`docs/capacity.md needs the markers ${begin} … ${end}`);
  await writeFile(docPath, `${before}${begin}\n${capacityTables(results)}\n${end}${after}`);
  console.log(`docs/capacity.md: tables from ${file}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
