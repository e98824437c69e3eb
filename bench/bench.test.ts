/** The harness's pure parts: statistics, the table, target evaluation, the request plans. No timing assertions. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { asksIpx, parseOptions, renderGate, rounds, variantKs } from './options.ts';
import { combine, toRow, type Measured } from './phases.ts';
import { parseWrkSummary, wrkScript } from './wrk.ts';
import { sumMetric, withJpegComment } from './origin-api.ts';
import { existsSync } from 'node:fs';
import { npmScriptEnv, processEnv } from './processes.ts';
import type { FastFirstFigures, LadderQualityFigures, Mode, Row, Scenarios, UploadFigures } from './report-types.ts';
import { mixedRequest } from './scenarios/leak.ts';
import { percentile, ratio, summarize, type Figures } from './stats.ts';
import { formatLadderQuality, formatRows, formatUploads, tableCells } from './table.ts';
import type { EngineFigures } from './scenarios/near-duplicates.ts';
import { decodedTally, evaluateAtGate, evaluateTargets, servedByLadder } from './targets.ts';
import { tallyKey } from './load.ts';
import { psnr, qualityCases } from './scenarios/ladder-quality.ts';
import { workloads } from './workloads.ts';

function figures(rps: number, overrides: Partial<Figures> = {}): Figures {
  return {
    requests: 10,
    errors: 0,
    seconds: 1,
    rps,
    p50: 1,
    p95: 2,
    p99: 3,
    outputBytes: 100,
    peakRssMiB: 200,
    peakAnonMiB: 150,
    cpuMsPerRequest: 5,
    ...overrides,
  };
}
const row = (workload: string, mode: Mode, concurrency: number, rps: number, overrides: Partial<Figures> = {}): Row => ({
  workload,
  mode,
  concurrency,
  figures: figures(rps, overrides),
});

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises only successful samples into latency and size, and counts errors', () => {
    const samples = [
      { ms: 10, bytes: 300, ok: true },
      { ms: 30, bytes: 100, ok: true },
      { ms: 20, bytes: 200, ok: true },
      { ms: 999, bytes: 0, ok: false },
    ];
    const summary = summarize(samples, 2, { peakRss: 300 * 2 ** 20, peakAnon: 100 * 2 ** 20, cpuMs: 90 });
    expect(summary).toMatchObject({
      requests: 4,
      errors: 1,
      rps: 1.5,
      p50: 20,
      p99: 30,
      outputBytes: 200,
      peakRssMiB: 300,
      peakAnonMiB: 100,
      cpuMsPerRequest: 30,
    });
  });

  it('gives no ratio without a reference', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(10, 0)).toBeUndefined();
    expect(ratio(undefined, 3)).toBeUndefined();
  });
});

describe('table', () => {
  it('puts ratios against limit and ipx on pixelfront rows only', () => {
    const rows = [row('w', 'limit', 2, 40), row('w', 'ipx', 2, 20), row('w', 'cold', 2, 30)];
    const cells = tableCells(rows);
    expect(cells[0]?.slice(10, 12)).toEqual(['', '']);
    expect(cells[2]?.slice(10, 12)).toEqual(['0.75×', '1.50×']);
    const lines = formatRows(rows).split('\n');
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });

  it('gives the gated limit its ratios too: ÷limit is what the render gate costs raw sharp', () => {
    const cells = tableCells([row('w', 'limit', 8, 40), row('w', 'limit-gate', 8, 32), row('w', 'ipx', 8, 20)]);
    expect(cells[1]?.slice(10, 12)).toEqual(['0.80×', '1.60×']);
  });
});

const fastFirst = (width: number, autoP95: number, webpP95 = 200): FastFirstFigures => ({
  width,
  ops: `w_${width}…w_${width - 23}`,
  concurrency: 2,
  webp: { requests: 12, errors: 0, p50: webpP95 / 2, p95: webpP95 },
  auto: { requests: 12, errors: 0, p50: autoP95 / 2, p95: autoP95 },
  autoAnswers: { 'image/webp original': 12 },
});

describe('targets', () => {
  const ladderQuality = (ladderPsnr: number, decoded = 'ladder-1600'): LadderQualityFigures => ({
    workload: 'jpeg-w800',
    ops: 'w_801',
    width: 801,
    height: 601,
    decoded,
    ladderPsnr,
    directPsnr: 40,
    ladderBytes: 90_000,
    directBytes: 88_000,
  });
  const largeTiff = (renderPeakRssMiB: number, idleAfterMiB: number): Scenarios['largeTiff'] => ({
    bytes: 800e6,
    uploadSeconds: 30,
    uploadPeakRssMiB: 340,
    requests: 3,
    ok: 3,
    renderSeconds: 12,
    renderPeakRssMiB,
    idleBeforeMiB: 220,
    idleAfterMiB,
    cachesBeforeMiB: 1,
    cachesAfterMiB: 21,
  });
  const scenarios: Scenarios = {
    rss24mp: { requests: 8, ok: 8, seconds: 3, peakRssMiB: 650, peakAnonMiB: 500, idleBeforeMiB: 200, idleAfterMiB: 230 },
    largeTiff: largeTiff(699, 217),
    leak: { first: 500, total: 5000, errors: 0, rssFirstMiB: 300, rssAllMiB: 330, anonFirstMiB: 200, anonAllMiB: 210 },
    singleFlight: { requests: 100, answered: 100, renders: 1 },
    nearDuplicates: { engines: [nearDuplicateFigures('sqlite', 40), nearDuplicateFigures('postgres', 60)], skipped: [] },
    ladderQuality: [ladderQuality(39.95)],
    fastFirst: [fastFirst(800, 300), fastFirst(1200, 250)],
  };
  const upload = (kind: UploadFigures['kind'], mbPerSecond: number): UploadFigures => ({
    kind,
    files: 12,
    bytes: 36e6,
    concurrency: 2,
    mbPerSecond,
    peakRssMiB: 300,
    errors: 0,
  });
  const uploads = [upload('limit', 80), upload('single', 64), upload('multipart', 70)];
  const fromLadder = { 'render ladder-1600': 10 };
  const passing = [
    row('jpeg-w800', 'limit', 8, 40),
    row('jpeg-w800', 'ipx', 8, 30),
    { ...row('jpeg-w800', 'cold', 8, 80), sources: fromLadder },
    row('jpeg-w800', 'warm', 8, 1800, { p99: 5 }),
  ];

  it('passes when every threshold holds', () => {
    const results = evaluateTargets(passing, scenarios, uploads);
    expect(results.map((result) => [result.name, result.pass])).toEqual([
      ['cold ≥ 2 × limit, jpeg-w800 (from the ladder)', true],
      ['cold ≥ 2.4 × ipx, jpeg-w800', true],
      ["ladder render PSNR ≥ the direct render's − 0.1 dB, jpeg-w800 w_801", true],
      ['memory hits ≥ 20 × cold and p99 < 10 ms at c8, jpeg-w800', true],
      ['single upload ≥ 0.8 × the upload limit', true],
      ['multipart upload ≥ 0.8 × the upload limit', true],
      ['peak RSS under 8 concurrent 24 MP renders < 700 MiB', true],
      ['idle RSS after 8 concurrent 24 MP renders within 15 % of idle RSS before', true],
      ["peak RSS of the 800 MB 16-bit TIFF's upload and of 3 concurrent renders of it < 700 MiB", true],
      ['idle RSS after the 800 MB TIFF renders within 15 % of idle RSS before', true],
      ['RSS after 5000 mixed requests within 15 % of RSS after 500', true],
      ['100 concurrent identical cold requests: exactly one render, all answered', true],
      ["cold f_auto p95 ≤ 1.5 × cold f_webp p95, 12 MP JPEG at w_800, Chromium's Accept (FAST_FIRST_MS default)", true],
      ["cold f_auto p95 ≤ 1.5 × cold f_webp p95, 12 MP JPEG at w_1200, Chromium's Accept (FAST_FIRST_MS default)", true],
      ['near-duplicate lookup p95 < 100 ms at 1 M hashes of one tenant, sqlite', true],
      ['near-duplicate lookup p95 < 100 ms at 1 M hashes of one tenant, postgres', true],
    ]);
    const detail = (start: string) => results.find((result) => result.name.startsWith(start))?.detail;
    expect(detail('idle RSS after 8')).toBe('200 → 230 MiB (+15.0 %)');
    expect(detail('idle RSS after the 800 MB')).toBe('220 → 217 MiB (-1.4 %); the memory caches held 1 → 21 MiB, net of them -10.5 %');
    expect(results[4]?.detail).toBe('64.0 MB/s over 12 files at c2, upload limit 80.0 MB/s: 0.80×');
  });

  it('fails the ladder under 2 × limit or 2.4 × ipx, quality, slow uploads, slow or few memory hits, RSS, growth and extra renders', () => {
    const rows = [
      row('jpeg-w800', 'limit', 8, 40),
      row('jpeg-w800', 'ipx', 8, 32),
      { ...row('jpeg-w800', 'cold', 8, 76), sources: fromLadder },
      row('jpeg-w800', 'warm', 8, 800, { p99: 12 }),
    ];
    const results = evaluateTargets(
      rows,
      {
        rss24mp: { requests: 8, ok: 8, seconds: 3, peakRssMiB: 701, peakAnonMiB: 600, idleBeforeMiB: 200, idleAfterMiB: 231 },
        largeTiff: largeTiff(700, 2438),
        leak: { first: 500, total: 5000, errors: 0, rssFirstMiB: 300, rssAllMiB: 346, anonFirstMiB: 200, anonAllMiB: 240 },
        singleFlight: { requests: 100, answered: 100, renders: 2 },
        nearDuplicates: {
          engines: [nearDuplicateFigures('sqlite', 120), { ...nearDuplicateFigures('postgres', 50), plantedFound: 59 }],
          skipped: [],
        },
        ladderQuality: [ladderQuality(39.89)],
        fastFirst: [fastFirst(800, 320), { ...fastFirst(1200, 100), auto: { requests: 12, errors: 1, p50: 50, p95: 100 } }],
      },
      [upload('limit', 80), upload('single', 63), { ...upload('multipart', 70), errors: 1 }],
    );
    expect(results.map((result) => result.pass)).toEqual(Array.from({ length: 16 }, () => false));
    expect(results.find((result) => result.name.includes('w_800'))?.detail).toContain('320 / 200 ms = 1.60×');
    expect(results[0]?.detail).toContain('1.90×');
    expect(results[1]?.detail).toContain('2.38×');
    expect(results[2]?.detail).toContain('801×601: origin 39.89 dB decoded from ladder-1600, direct 40.00 dB (-0.11 dB');
  });

  it('holds a workload the ladder does not serve to 0.95 × limit and 1 × ipx, and fails when the decode is not the expected one', () => {
    const rows = (cold: number, sources: Record<string, number>) => [
      row('photo-w600', 'limit', 2, 40),
      row('photo-w600', 'ipx', 2, 35),
      { ...row('photo-w600', 'cold', 2, cold), sources },
    ];
    const limitLine = (cold: number, sources: Record<string, number>) => evaluateTargets(rows(cold, sources), {})[0];
    expect(limitLine(38, { 'render original': 8 })).toEqual({
      name: 'cold ≥ 0.95 × limit, photo-w600 (ladder not used)',
      pass: true,
      detail: 'c2 38.0/40.0 req/s = 0.95×',
    });
    expect(limitLine(37.7, { 'render original': 8 })?.pass).toBe(false);
    expect(evaluateTargets(rows(38, {}), {})[1]).toMatchObject({ name: 'cold ≥ 1 × ipx, photo-w600', pass: true });
    expect(limitLine(38, { 'render original': 7, 'render ladder-1600': 1 })).toMatchObject({
      pass: false,
      detail: expect.stringContaining('expected the original'),
    });
    // A ladder workload whose renders decoded the original fails however fast it was.
    const original = [row('jpeg-w800', 'limit', 2, 10), { ...row('jpeg-w800', 'cold', 2, 30), sources: { 'render original': 8 } }];
    expect(evaluateTargets(original, {})[0]).toMatchObject({ pass: false, detail: expect.stringContaining('expected a mezzanine') });
    expect(decodedTally(original, 'jpeg-w800')).toEqual({ original: 8 });
  });

  it('fails the quality guard when the origin did not decode a mezzanine', () => {
    const guard = evaluateTargets([], { ladderQuality: [ladderQuality(41, 'original')] }).find((result) => result.name.includes('PSNR'));
    expect(guard?.pass).toBe(false);
  });

  it('takes the memory-hit p99 from wrk when it measured one, and says which client it came from', () => {
    const hits = [row('jpeg-w800', 'cold', 8, 37), row('jpeg-w800', 'warm', 8, 800, { p99: 12 })];
    const warm = (rows: Row[]) => evaluateTargets(rows, {}).find((result) => result.name.startsWith('memory hits'));
    expect(warm(hits)).toMatchObject({ pass: false, detail: expect.stringContaining('p99 12.00 ms by the undici client (no wrk)') });
    expect(warm([...hits, row('jpeg-w800', 'warm-wrk', 8, 900, { p99: 4 })])).toMatchObject({
      pass: true,
      detail: expect.stringContaining('p99 4.00 ms by wrk (undici client 12.00 ms)'),
    });
    expect(warm([...hits, row('jpeg-w800', 'warm-wrk', 8, 900, { p99: 11 })])?.pass).toBe(false);
  });

  it('compares cold with the gated limit beside the targets at the same minimum, only where a gated limit ran', () => {
    const rows = [
      row('png-webp', 'limit', 2, 30),
      row('png-webp', 'cold', 2, 26),
      row('png-webp', 'limit', 8, 40),
      row('png-webp', 'limit-gate', 8, 30),
      row('png-webp', 'cold', 8, 28.5),
    ];
    expect(evaluateAtGate(rows)).toEqual([
      { name: 'cold ≥ 0.95 × limit-gate, png-webp', pass: true, detail: 'c8 28.5/30.0 req/s = 0.95×' },
    ]);
    expect(evaluateAtGate([...rows.slice(0, 3), row('png-webp', 'limit-gate', 8, 32), row('png-webp', 'cold', 8, 28)])[0]?.pass).toBe(
      false,
    );
    expect(evaluateAtGate(rows.filter((each) => each.mode !== 'limit-gate'))).toEqual([]);
    expect(evaluateAtGate([row('jpeg-w800', 'limit-gate', 8, 20), row('jpeg-w800', 'cold', 8, 39)])[0]).toMatchObject({
      name: 'cold ≥ 2 × limit-gate, jpeg-w800',
      pass: false,
    });
  });

  it('declares which workloads the ladder serves, with a reference for the quality guard on the two 12 MP targets', () => {
    expect(workloads.filter((workload) => workload.ladder).map((workload) => workload.name)).toEqual([
      'jpeg-w800',
      'jpeg-fill-webp',
      'jpeg-watermark',
    ]);
    expect(workloads.filter((workload) => workload.reference).map((workload) => workload.name)).toEqual(['jpeg-w800', 'jpeg-fill-webp']);
    expect(servedByLadder('photo-w600')).toBe(false);
    // The guard's cases follow the rungs: each rung's widest output, above the smallest also its
    // narrowest, and the fill at the phases' size and at 401 (fresh variants: q_80 is the default).
    const guarded = (sizes: number[]) =>
      qualityCases(sizes).map(
        ({ workload, k, suffix, expected }) => `${workloads.find((each) => each.name === workload)?.ops(k)}${suffix} ${expected}`,
      );
    expect(guarded([1600])).toEqual([
      'w_800,q_80 ladder-1600',
      'c_fill,w_400,h_400,f_webp,q_80 ladder-1600',
      'c_fill,w_401,h_400,f_webp ladder-1600',
    ]);
    expect(guarded([1200, 1600])).toEqual([
      'w_600,q_80 ladder-1200',
      'w_800,q_80 ladder-1600',
      'w_601,q_80 ladder-1600',
      'c_fill,w_400,h_400,f_webp,q_80 ladder-1200',
      'c_fill,w_401,h_400,f_webp ladder-1200',
    ]);
    // 2048 is no rung of a 4032 px source (under 2 ×): nothing of it is scored.
    expect(guarded([2048])).toEqual([]);
    expect(servedByLadder('no-such-workload')).toBe(false);
  });

  it('skips what was not measured instead of passing it', () => {
    const results = evaluateTargets([row('jpeg-watermark', 'limit', 2, 10), row('jpeg-watermark', 'cold', 2, 10)], {});
    expect(results.find((result) => result.name.includes('ipx'))?.pass).toBeUndefined();
    expect(results.filter((result) => result.pass === undefined).map((result) => result.name)).toEqual([
      'cold ≥ 2.4 × ipx, jpeg-watermark',
      "ladder render PSNR ≥ the direct render's − 0.1 dB, ladder workloads",
      'memory hits ≥ 20 × cold and p99 < 10 ms at c8, jpeg-watermark',
      'single upload ≥ 0.8 × the upload limit',
      'multipart upload ≥ 0.8 × the upload limit',
      'peak RSS under 8 concurrent 24 MP renders < 700 MiB',
      'idle RSS after 8 concurrent 24 MP renders within 15 % of idle RSS before',
      "peak RSS of the 800 MB 16-bit TIFF's upload and of 3 concurrent renders of it < 700 MiB",
      'idle RSS after the 800 MB TIFF renders within 15 % of idle RSS before',
      'RSS after 5000 mixed requests within 15 % of RSS after 500',
      '100 concurrent identical cold requests: exactly one render, all answered',
      "cold f_auto p95 ≤ 1.5 × cold f_webp p95, 12 MP JPEG at w_800/1200, Chromium's Accept (FAST_FIRST_MS default)",
      'near-duplicate lookup p95 < 100 ms at 1 M hashes of one tenant, sqlite',
      'near-duplicate lookup p95 < 100 ms at 1 M hashes of one tenant, postgres',
    ]);
    const postgresAway = evaluateTargets([], {
      nearDuplicates: { engines: [nearDuplicateFigures('sqlite', 40)], skipped: ['postgres: unreachable'] },
    });
    expect(postgresAway.filter((result) => result.name.startsWith('near-duplicate')).map((result) => result.pass)).toEqual([
      true,
      undefined,
    ]);
  });
});

describe('quality guard and tallies', () => {
  it('scores PSNR: identical pixels are infinite, one grey level off everywhere is 48.13 dB, sizes must match', () => {
    const image = (value: number, width = 4) => ({ data: Buffer.alloc(width * 2 * 3, value), width, height: 2 });
    expect(psnr(image(100), image(100))).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(image(100), image(101))).toBeCloseTo(48.13, 2);
    expect(() => psnr(image(100), image(100, 5))).toThrow(/sizes differ/);
  });

  it('tallies the source with what a render decoded, from Server-Timing', () => {
    expect(tallyKey('render', 'source;dur=1.0, render;dur=20.1, decode;desc="ladder-1600";dur=22.0')).toBe('render ladder-1600');
    expect(tallyKey('render', 'decode;desc="original"')).toBe('render original');
    expect(tallyKey('memory', undefined)).toBe('memory');
    expect(tallyKey(undefined, 'storage;dur=2')).toBe('none');
  });

  it('prints the guard as a table with the difference in dB', () => {
    const table = formatLadderQuality([
      {
        workload: 'jpeg-w800',
        ops: 'w_801',
        width: 801,
        height: 601,
        decoded: 'ladder-1600',
        ladderPsnr: 40.12,
        directPsnr: 40,
        ladderBytes: 1,
        directBytes: 2,
      },
    ]);
    expect(table.split('\n')[2]).toMatch(/jpeg-w800 +\| w_801 \| 801×601 \| ladder-1600 \| 40\.12 .*\| 40\.00 .*\| 0\.12 /);
  });

  it('labels the upload limit row in the upload table', () => {
    const table = formatUploads([
      { kind: 'limit', files: 4, bytes: 1, concurrency: 2, mbPerSecond: 60, peakRssMiB: 100, errors: 0, note: 'in-process' },
    ]);
    expect(table).toContain('| upload limit | 4');
  });
});

function nearDuplicateFigures(engine: 'sqlite' | 'postgres', p95Ms: number): EngineFigures {
  return {
    engine,
    rows: 1_000_000,
    loadSeconds: 100,
    lookups: [{ maxDistance: 10, lookups: 200, p50Ms: p95Ms / 2, p95Ms, maxMs: p95Ms * 2, medianCandidates: 9000 }],
    plantedFound: 60,
    planted: 60,
    scanMedianMs: 2000,
    plan: 'MULTI-INDEX OR',
  };
}

describe('wrk', () => {
  it('writes a script that cycles the paths and prints its totals as JSON', () => {
    const script = wrkScript(['/img/abc/w_800', '/img/abc/w_799']);
    expect(script).toContain('local paths = { "/img/abc/w_800", "/img/abc/w_799" }');
    expect(script).toContain('paths[(next - 1) % #paths + 1]');
    expect(() => wrkScript(['/img/"; os.exit()'])).toThrow(/not usable/);
  });

  it('reads the summary line among its report, latencies in milliseconds', () => {
    const stdout =
      'Running 2s test @ http://127.0.0.1:1\n  1 threads and 8 connections\n{"requests":14000,"micros":2000000,"errors":3,"p50":850,"p95":2100,"p99":3900}\n';
    expect(parseWrkSummary(stdout)).toEqual({ requests: 14000, errors: 3, seconds: 2, p50Ms: 0.85, p95Ms: 2.1, p99Ms: 3.9 });
    expect(() => parseWrkSummary('Running 2s test\n')).toThrow(/no summary/);
  });
});

describe('request plans', () => {
  it('gives every phase group and concurrency its own variants', () => {
    const options = parseOptions([]);
    const blocks = [
      variantKs(options, 'cold', 0, 40, 0.5),
      variantKs(options, 'cold', 1, 40, 0.5),
      variantKs(options, 'edge', 0, 40, 0.5),
      variantKs(options, 'edge', 1, 40, 0.5),
    ];
    expect(new Set(blocks.flat()).size).toBe(160);
    // Quick runs: fewer requests at c2 than at c8 must still not overlap.
    const quick = parseOptions(['--quick']);
    const short = [
      variantKs(quick, 'cold', 0, 5, 0.6),
      variantKs(quick, 'cold', 1, 8, 0.6),
      variantKs(quick, 'edge', 0, 5, 0.6),
      variantKs(quick, 'edge', 1, 8, 0.6),
    ];
    expect(new Set(short.flat()).size).toBe(26);
    expect(() => parseOptions(['--fast'])).toThrow(/unknown option/);
  });

  it('asks ipx for a slow workload at the lowest concurrency only in --quick', () => {
    const quick = parseOptions(['--quick']);
    const full = parseOptions([]);
    expect([asksIpx(quick, true, 2), asksIpx(quick, true, 8), asksIpx(quick, false, 8)]).toEqual([true, false, true]);
    expect([asksIpx(full, true, 2), asksIpx(full, true, 8)]).toEqual([true, true]);
  });

  it('splits a phase into rounds that each keep every connection busy', () => {
    const ks = Array.from({ length: 80 }, (_, index) => 100 + index);
    const chunks = rounds(ks, 8, 3);
    expect(chunks.map((chunk) => chunk.length)).toEqual([26, 27, 27]);
    expect(chunks.flat()).toEqual(ks);
    expect(rounds(ks.slice(0, 10), 8, 3)).toEqual([ks.slice(0, 10)]);
    expect(rounds(ks.slice(0, 16), 5, 3).map((chunk) => chunk.length)).toEqual([5, 5, 6]);
  });

  it('sums rounds of one mode into one row: time, samples and CPU add up, memory peaks are the highest', () => {
    const first: Measured = {
      samples: [{ ms: 10, bytes: 5, ok: true }],
      seconds: 1,
      usage: { peakRss: 100, peakAnon: 50, cpuMs: 20 },
      tally: { render: 1 },
      statuses: { '200': 1 },
    };
    const second: Measured = {
      samples: [
        { ms: 30, bytes: 7, ok: true },
        { ms: 40, bytes: 0, ok: false },
      ],
      seconds: 3,
      usage: { peakRss: 80, peakAnon: 60, cpuMs: 40 },
      tally: { render: 1 },
      statuses: { '200': 1, '503': 1 },
    };
    const both = combine([first, second]);
    expect(both.seconds).toBe(4);
    expect(both.usage).toEqual({ peakRss: 100, peakAnon: 60, cpuMs: 60 });
    const row = toRow({ workload: 'jpeg-w800', mode: 'cold', concurrency: 2 }, both);
    expect(row.figures).toMatchObject({ requests: 3, errors: 1, rps: 0.5, p50: 10, p99: 30, cpuMsPerRequest: 30 });
    expect(row.sources).toEqual({ render: 2, 'status 200': 2, 'status 503': 1 });
  });

  it('starts the origin on the default gate (2 × cores, issue 20) unless --render-concurrency names another', () => {
    expect(parseOptions([]).renderConcurrency).toBeUndefined();
    expect(renderGate(undefined)).toBe(2 * availableParallelism());
    expect(renderGate(4)).toBe(4);
    expect(parseOptions(['--render-concurrency=4', '--only=jpeg-w800']).renderConcurrency).toBe(4);
    expect(() => parseOptions(['--render-concurrency=0'])).toThrow(/whole number/);
    expect(() => parseOptions(['--render-concurrency=two'])).toThrow(/whole number/);
  });

  it('mixes renders, hits, metadata, 400 and 404 in the leak check', () => {
    const statuses = Array.from({ length: 10 }, (_, index) => mixedRequest(index, ['a', 'b']).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(8);
    expect(statuses).toContain(400);
    expect(statuses).toContain(404);
    expect(mixedRequest(0, ['a']).path).not.toBe(mixedRequest(10, ['a']).path);
  });

  it('reads the settings scripts/process-env.sh gives every process and sums a labelled metric', async () => {
    const env = processEnv();
    expect(env).toMatchObject({ MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=1' });
    expect(Object.keys(env)).not.toContain('PATH');
    expect(Object.keys(env)).not.toContain('PWD');
    // jemalloc is preloaded exactly where its library is installed.
    const jemalloc = existsSync(`/usr/lib/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu/libjemalloc.so.2`);
    expect(env['LD_PRELOAD'] !== undefined).toBe(jemalloc);
    expect(await npmScriptEnv('worker')).toEqual(env);
    expect(
      sumMetric(
        '# HELP x\npixelfront_renders_total{format="jpeg"} 3\npixelfront_renders_total{format="webp"} 2\npixelfront_render_seconds_sum 9',
        'pixelfront_renders_total',
      ),
    ).toBe(5);
  });

  it('makes a distinct JPEG that decodes to the same pixels', async () => {
    const jpeg = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const marked = withJpegComment(jpeg, 'bench 1');
    expect(marked.equals(jpeg)).toBe(false);
    const [a, b] = await Promise.all([sharp(jpeg).raw().toBuffer(), sharp(marked).raw().toBuffer()]);
    expect(b.equals(a)).toBe(true);
  });
});
