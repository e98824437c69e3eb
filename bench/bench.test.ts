/** The harness's pure parts: statistics, the table, target evaluation, the request plans. No timing assertions. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { parseOptions, renderGate, rounds, variantKs } from './options.ts';
import { combine, toRow, type Measured } from './phases.ts';
import { parseWrkSummary, wrkScript } from './wrk.ts';
import { sumMetric, withJpegComment } from './origin-api.ts';
import { scriptEnv } from './processes.ts';
import type { Mode, Row, Scenarios } from './report-types.ts';
import { mixedRequest } from './scenarios/leak.ts';
import { percentile, ratio, summarize, type Figures } from './stats.ts';
import { formatRows, tableCells } from './table.ts';
import type { EngineFigures } from './scenarios/near-duplicates.ts';
import { evaluateAtGate, evaluateLadder, evaluateTargets } from './targets.ts';

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

describe('targets', () => {
  const scenarios: Scenarios = {
    rss24mp: { requests: 8, ok: 8, seconds: 3, peakRssMiB: 650, peakAnonMiB: 500 },
    leak: { first: 500, total: 5000, errors: 0, rssFirstMiB: 300, rssAllMiB: 330, anonFirstMiB: 200, anonAllMiB: 210 },
    singleFlight: { requests: 100, answered: 100, renders: 1 },
    nearDuplicates: { engines: [nearDuplicateFigures('sqlite', 40), nearDuplicateFigures('postgres', 60)], skipped: [] },
  };
  const passing = [
    row('jpeg-w800', 'limit', 8, 40),
    row('jpeg-w800', 'ipx', 8, 30),
    row('jpeg-w800', 'cold', 8, 37),
    row('jpeg-w800', 'warm', 8, 800, { p99: 5 }),
  ];

  it('passes when every threshold holds', () => {
    const results = evaluateTargets(passing, scenarios);
    expect(results.map((result) => result.pass)).toEqual([true, true, true, true, true, true, true, true]);
  });

  it('fails cold under 0.9 × limit, the JPEG under 1.2 × ipx, slow or few memory hits, RSS, growth and extra renders', () => {
    const rows = [
      row('jpeg-w800', 'limit', 8, 40),
      row('jpeg-w800', 'ipx', 8, 32),
      row('jpeg-w800', 'cold', 8, 35),
      row('jpeg-w800', 'warm', 8, 800, { p99: 12 }),
    ];
    const results = evaluateTargets(rows, {
      rss24mp: { ...scenarios.rss24mp, requests: 8, ok: 8, seconds: 3, peakRssMiB: 701, peakAnonMiB: 600 },
      leak: { first: 500, total: 5000, errors: 0, rssFirstMiB: 300, rssAllMiB: 346, anonFirstMiB: 200, anonAllMiB: 240 },
      singleFlight: { requests: 100, answered: 100, renders: 2 },
      nearDuplicates: {
        engines: [nearDuplicateFigures('sqlite', 120), { ...nearDuplicateFigures('postgres', 50), plantedFound: 59 }],
        skipped: [],
      },
    });
    expect(results.map((result) => result.pass)).toEqual([false, false, false, false, false, false, false, false]);
    expect(results[0]?.detail).toContain('0.88×');
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

  it('compares cold with the gated limit beside the targets, only where a gated limit ran', () => {
    const rows = [
      row('png-webp', 'limit', 2, 30),
      row('png-webp', 'cold', 2, 26),
      row('png-webp', 'limit', 8, 40),
      row('png-webp', 'limit-gate', 8, 30),
      row('png-webp', 'cold', 8, 28),
    ];
    expect(evaluateAtGate(rows)).toEqual([{ name: 'cold ≥ 0.9 × limit-gate, png-webp', pass: true, detail: 'c8 28.0/30.0 req/s = 0.93×' }]);
    expect(evaluateAtGate([...rows.slice(0, 3), row('png-webp', 'limit-gate', 8, 32), row('png-webp', 'cold', 8, 28)])[0]?.pass).toBe(
      false,
    );
    expect(evaluateAtGate(rows.filter((each) => each.mode !== 'limit-gate'))).toEqual([]);
  });

  it('holds the workloads the ladder serves to 2 × the limit, and names only those measured', () => {
    const rows = [
      row('jpeg-w800', 'limit', 2, 30),
      row('jpeg-w800', 'cold', 2, 61),
      row('jpeg-w800', 'limit', 8, 30),
      row('jpeg-w800', 'cold', 8, 59),
      row('png-webp', 'limit', 2, 30),
      row('png-webp', 'cold', 2, 30),
    ];
    const results = evaluateLadder(rows);
    expect(results.map((result) => [result.name, result.pass])).toEqual([['ladder: cold ≥ 2 × limit, jpeg-w800', false]]);
    expect(results[0]?.detail).toContain('c8 59.0/30.0 req/s = 1.97×');
    expect(evaluateLadder(rows.filter((r) => r.concurrency === 2)).map((result) => result.pass)).toEqual([true]);
  });

  it('skips what was not measured instead of passing it', () => {
    const results = evaluateTargets([row('jpeg-watermark', 'limit', 2, 10), row('jpeg-watermark', 'cold', 2, 10)], {});
    expect(results.find((result) => result.name.includes('ipx'))?.pass).toBeUndefined();
    expect(results.filter((result) => result.pass === undefined)).toHaveLength(7);
    const postgresAway = evaluateTargets([], {
      nearDuplicates: { engines: [nearDuplicateFigures('sqlite', 40)], skipped: ['postgres: unreachable'] },
    });
    expect(postgresAway.filter((result) => result.name.startsWith('near-duplicate')).map((result) => result.pass)).toEqual([
      true,
      undefined,
    ]);
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

  it('reads VAR=value prefixes of the start script and sums a labelled metric', () => {
    expect(scriptEnv('UV_THREADPOOL_SIZE=8 MALLOC_ARENA_MAX=2 tsx origin/main.ts')).toEqual({
      UV_THREADPOOL_SIZE: '8',
      MALLOC_ARENA_MAX: '2',
    });
    expect(scriptEnv('tsx origin/main.ts')).toEqual({});
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
