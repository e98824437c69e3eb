import { describe, expect, it } from 'vitest';
import type { Row } from './report-types.ts';
import { assumptions, capacity, capacityTables, type BenchResults } from './capacity.ts';

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
    expect(storage.mezzaninesTB).toBeCloseTo(17.25, 6);
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
});
