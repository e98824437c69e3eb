import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Row } from './report-types.ts';
import { assumptions, capacity, capacityTables, type BenchResults } from './capacity.ts';
import { newestFullRun, resultsFileName } from './results-file.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const workloads = Object.keys(assumptions.coldWorkloads);

/** A results file with the given CPU ms per request for every workload's cold/stored/warm rows. */
function results(coldMs: number, uploadMBps = 40): BenchResults {
  const row = (workload: string, mode: Row['mode'], cpuMsPerRequest: number): Row => ({
    workload,
    mode,
    concurrency: 8,
    figures: { requests: 1, errors: 0, seconds: 1, rps: 1, p50: 1, p95: 1, p99: 1, outputBytes: 50_000, cpuMsPerRequest } as Row['figures'],
  });
  return {
    date: '2026-12-03T00:00:00.000Z',
    quick: false,
    machine: { nproc: 2, cpu: 'test' },
    rows: workloads.flatMap((workload) => [row(workload, 'cold', coldMs), row(workload, 'stored', 2), row(workload, 'warm', 0.2)]),
    uploads: [
      { kind: 'single', files: 1, bytes: 1, concurrency: 2, mbPerSecond: uploadMBps, peakRssMiB: 1, errors: 0 },
      { kind: 'multipart', files: 1, bytes: 1, concurrency: 2, mbPerSecond: uploadMBps / 2, peakRssMiB: 1, errors: 0 },
    ],
  };
}

describe('capacity model', () => {
  it('sizes delivery by the misses: peak rate × CPU per request / utilisation', () => {
    const model = capacity(results(100));
    const delivery = model.roles.find((role) => role.role === 'delivery')!;
    // 10 M a day, 10 % misses, ×3 at peak.
    expect(delivery.peakPerSecond).toBeCloseTo((10_000_000 * 0.1 * 3) / 86_400, 6);
    expect(delivery.cpuMsPerRequest).toBeCloseTo(0.4 * 100 + 0.4 * 2 + 0.2 * 0.2, 6);
    expect(delivery.cores).toBeCloseTo((delivery.peakPerSecond * delivery.cpuMsPerRequest) / 1000 / 0.7, 6);
    expect(capacity(results(200)).roles[0]!.cores).toBeGreaterThan(1.9 * delivery.cores);
  });

  it('bounds delivery by the case where every request is a cold render', () => {
    const { allCold, roles } = capacity(results(100));
    expect(allCold.peakPerSecond).toBeCloseTo((10_000_000 * 3) / 86_400, 6);
    expect(allCold.cpuMsPerRequest).toBeCloseTo(100, 6);
    expect(allCold.cores).toBeGreaterThan(10 * roles[0]!.cores);
    expect(capacityTables(results(100))).toMatch(
      /if all 10 M requests a day were cold renders .* 49\.6 cores at peak \(347\.2 renders\/s × 100\.0 ms\), 38 replicas/,
    );
  });

  it('keeps a replica per zone and enough to carry the peak with one zone lost', () => {
    const heavy = capacity(results(2_000)).roles.find((role) => role.role === 'delivery')!;
    expect(heavy.replicas).toBe(Math.ceil((Math.ceil(heavy.cores / 2) * 3) / 2));
    expect(capacity(results(1)).roles.every((role) => role.replicas >= 3)).toBe(true);
  });

  it('needs fewer cores at higher hit ratios, and a fleet holds exactly the hit ratio it is sized for', () => {
    const model = capacity(results(100));
    const cores = model.hitRatios.map((row) => row.deliveryCores);
    expect(cores).toEqual([...cores].sort((a, b) => b - a));
    for (const fleet of model.fleets.filter((row) => row.minHitRatio > 0)) {
      const atRatio = capacity(results(100), { ...assumptions, edgeHitRatio: fleet.minHitRatio }).roles[0]!.cores;
      expect(atRatio).toBeCloseTo(((fleet.replicas * 2) / 3) * 2, 6);
    }
  });

  it('adds originals, mezzanines and a week of variants, priced in tiers', () => {
    const { storage } = capacity(results(100));
    expect(storage.images).toBe(25_000_000);
    expect(storage.mezzaninesTB).toBeCloseTo(13.75, 6);
    expect(storage.variantsTB).toBeCloseTo((10_000_000 * 0.1 * 0.4 * 7 * 50_000) / 1e12, 9);
    expect(storage.s3MonthlyUsd).toBeGreaterThan(50_000 * 0.023 + (storage.totalTB * 1000 - 50_000) * 0.022);
    expect(storage.r2MonthlyUsd).toBeLessThan(storage.s3MonthlyUsd);
  });

  it('says which row is missing instead of computing from nothing, and prints the tables', () => {
    const partial = results(100);
    partial.rows = partial.rows.filter((row) => !(row.workload === 'jpeg-avif' && row.mode === 'cold'));
    expect(() => capacity(partial)).toThrow(/no cold row for jpeg-avif/);
    expect(capacityTables(results(100))).toMatch(/\| delivery \| 34\.7 \|/);
  });

  it('shows the figures it read: per-core rates of each workload and upload MB/s per core', () => {
    const measured = capacity(results(100, 40)).measured;
    expect(measured.workloads.map((row) => row.workload)).toEqual(workloads);
    expect(measured.workloads[0]).toMatchObject({ coldPerCore: 10, storedPerCore: 500, memoryPerCore: 5000, edgeHitsPerSecond: undefined });
    expect(measured.uploadMBPerCore).toEqual({ single: 20, multipart: 10 });
    expect(capacityTables(results(100))).toMatch(/\| jpeg-w800 \| 30\.0 % \| 10\.00 \| 500 \| 5,000 \| — \| — \|/);
  });
});

describe('npm run capacity', () => {
  it("reads the newest full run at the default gate, not --quick, -rcN or the other benchmarks' files", async () => {
    const names = [
      '2026-12-01T19-18-37-861Z.json',
      '2026-12-01T19-26-01-408Z-rc4.json',
      '2026-12-02T10-00-00-000Z-quick.json',
      '2026-12-03T19-12-38-358Z-q-auto.json',
      '2026-12-03T19-54-00-987Z-jxl.json',
      'search-2026-12-03T20-10-18-976Z.json',
      '2026-11-23T16-10-31-578Z.json',
    ];
    expect(newestFullRun(names)).toBe('2026-12-01T19-18-37-861Z.json');
    expect(newestFullRun(names.filter((name) => name.includes('-rc') || name.includes('search')))).toBeUndefined();
    // The name is the one bench/main.ts writes, so a file it writes is one this reads.
    expect(newestFullRun([resultsFileName('2026-12-04T01:02:03.456Z', { quick: false })])).toBe('2026-12-04T01-02-03-456Z.json');
    expect(newestFullRun([resultsFileName('2026-12-04T01:02:03.456Z', { quick: true })])).toBeUndefined();
    expect(newestFullRun([resultsFileName('2026-12-04T01:02:03.456Z', { quick: false, renderConcurrency: 4 })])).toBeUndefined();
    // Tuning runs hold only some rows.
    for (const partial of [{ only: ['photo-w600'] }, { scenarios: false }, { edge: false }])
      expect(newestFullRun([resultsFileName('2026-12-04T01:02:03.456Z', { quick: false, ...partial })])).toBeUndefined();
    // And the folder as it is holds one (the stored runs are what the doc is computed from).
    expect(newestFullRun(await readdir(join(root, 'bench/results')))).toBeDefined();
  });

  it("docs/capacity.md's tables are what the script computes from the results file they name", async () => {
    const doc = await readFile(join(root, 'docs/capacity.md'), 'utf8');
    const block = /<!-- capacity:begin -->\n([\s\S]*)\n<!-- capacity:end -->/.exec(doc)?.[1] ?? '';
    const source = /from `bench\/results\/([^`]+)`/.exec(block)?.[1] ?? '';
    const named = JSON.parse(await readFile(join(root, 'bench/results', source), 'utf8')) as BenchResults;
    expect(block).toBe(capacityTables(named));
  });
});
