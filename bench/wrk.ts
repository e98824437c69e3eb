import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Mode, Row } from './report-types.ts';
import { sampleMemory } from './rss.ts';
import { round, usageFigures, type Figures } from './stats.ts';

/**
 * wrk (Debian package `wrk`, written in C) as a second instrument for memory-hit latency. The
 * undici client that drives every other row allocates a buffer for each socket read; at 300 MB/s
 * of 73 KB bodies that starts a full collection of its heap every 50-90 ms (--trace-gc), and each
 * pause stalls all 8 connections at once. Alternating on the same server and variants, wrk read a
 * p99 of 2.6-3.9 ms where the undici client read 9.2-11.0 ms (bench/tuning.json). Optional: the
 * bench runs without it and says so.
 */
export function wrkVersion(): string | undefined {
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) return undefined;
  return /^wrk (\S+)/.exec(probe.stdout)?.[1] ?? 'unknown version';
}

/** A wrk Lua script: cycles through `paths` and prints one JSON line of totals (µs) at the end. */
export function wrkScript(paths: readonly string[]): string {
  for (const path of paths)
    if (!/^\/[\x21-\x7e]*$/.test(path) || /["\\]/.test(path)) throw new Error(`path not usable in a wrk script: ${path}`);
  return [
    `local paths = { ${paths.map((path) => `"${path}"`).join(', ')} }`,
    'local next = 0',
    'request = function()',
    '  next = next + 1',
    '  return wrk.format("GET", paths[(next - 1) % #paths + 1])',
    'end',
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'{"requests":%d,"micros":%d,"errors":%d,"p50":%d,"p95":%d,"p99":%d}\\n\',',
    '    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,',
    '    latency:percentile(50), latency:percentile(95), latency:percentile(99)))',
    'end',
    '',
  ].join('\n');
}

export interface WrkSummary {
  requests: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** The JSON line the script's done() prints, among wrk's own report. */
export function parseWrkSummary(stdout: string): WrkSummary {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"requests":'));
  if (!line) throw new Error(`no summary in wrk's output:\n${stdout}`);
  const raw = JSON.parse(line) as { requests: number; micros: number; errors: number; p50: number; p95: number; p99: number };
  return {
    requests: raw.requests,
    errors: raw.errors,
    seconds: raw.micros / 1e6,
    p50Ms: raw.p50 / 1000,
    p95Ms: raw.p95 / 1000,
    p99Ms: raw.p99 / 1000,
  };
}

export interface WrkPhase {
  workload: string;
  mode: Mode;
  concurrency: number;
  server: { url: string; pid: number };
  paths: string[];
  seconds: number;
  /** Median body size, from the undici row of the same variants (wrk only counts bytes in total). */
  outputBytes: number;
  /** Where the script is written. */
  work: string;
}

/** One wrk run (one thread, `concurrency` connections) over `paths`, as a table row. */
export async function wrkPhase(phase: WrkPhase): Promise<Row> {
  const script = join(phase.work, `wrk-${phase.workload}-c${phase.concurrency}.lua`);
  await writeFile(script, wrkScript(phase.paths));
  const memory = sampleMemory(phase.server.pid);
  const { stdout } = await promisify(execFile)(
    'wrk',
    ['-t1', `-c${phase.concurrency}`, `-d${phase.seconds}s`, '-s', script, phase.server.url],
    { encoding: 'utf8' },
  );
  const usage = await memory.stop();
  const summary = parseWrkSummary(stdout);
  const ok = summary.requests - summary.errors;
  const figures: Figures = {
    requests: summary.requests,
    errors: summary.errors,
    seconds: round(summary.seconds, 3),
    rps: summary.seconds > 0 ? round(ok / summary.seconds, 2) : 0,
    p50: round(summary.p50Ms, 2),
    p95: round(summary.p95Ms, 2),
    p99: round(summary.p99Ms, 2),
    outputBytes: phase.outputBytes,
    ...usageFigures(usage, ok),
  };
  return { workload: phase.workload, mode: phase.mode, concurrency: phase.concurrency, figures };
}
