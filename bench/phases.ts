import type { LimitProcess } from './limit.ts';
import { runLoad } from './load.ts';
import type { Mode, Row } from './report-types.ts';
import { sampleMemory, type ProcessUsage } from './rss.ts';
import { summarize, type Sample } from './stats.ts';

export interface HttpPhase {
  workload: string;
  mode: Mode;
  concurrency: number;
  server: { url: string; pid: number | undefined };
  paths: string[];
  requests: number;
  maxSeconds: number;
  tally?: string;
}

/** What one phase, or one round of it, measured: the raw material of a table row. */
export interface Measured {
  samples: Sample[];
  seconds: number;
  usage: ProcessUsage | undefined;
  tally: Record<string, number> | undefined;
  statuses: Record<string, number>;
}

/** One HTTP phase: cycles over `paths`, samples the server's RSS, returns a table row. */
export async function httpPhase(phase: HttpPhase): Promise<Row> {
  return toRow(phase, await measureHttp(phase));
}

export async function measureHttp(phase: HttpPhase): Promise<Measured> {
  const memory = phase.server.pid === undefined ? undefined : sampleMemory(phase.server.pid);
  const result = await runLoad({
    origin: phase.server.url,
    path: (index) => phase.paths[index % phase.paths.length] ?? '/',
    requests: phase.requests,
    concurrency: phase.concurrency,
    maxSeconds: phase.maxSeconds,
    ...(phase.tally ? { tally: phase.tally } : {}),
  });
  const usage = memory ? await memory.stop() : undefined;
  return {
    samples: result.samples,
    seconds: result.seconds,
    usage,
    tally: phase.tally ? result.tally : undefined,
    statuses: result.statuses,
  };
}

export async function measureLimit(limit: LimitProcess, workload: string, concurrency: number, ks: number[]): Promise<Measured> {
  const memory = sampleMemory(limit.pid);
  const reply = await limit.run({ workload, ks, concurrency });
  const usage = await memory.stop();
  if (reply.error) throw new Error(`limit ${workload}: ${reply.error}`);
  return { samples: reply.samples, seconds: reply.seconds, usage, tally: undefined, statuses: {} };
}

/**
 * Rounds of one mode as if they were one phase: samples and time add up (so throughput is
 * requests over the time spent on them), CPU adds up, memory peaks are the highest seen.
 */
export function combine(parts: readonly Measured[]): Measured {
  const usages = parts.map((part) => part.usage).filter((usage) => usage !== undefined);
  const cpu = usages.map((usage) => usage.cpuMs);
  return {
    samples: parts.flatMap((part) => part.samples),
    seconds: parts.reduce((total, part) => total + part.seconds, 0),
    usage:
      usages.length === 0
        ? undefined
        : {
            peakRss: Math.max(...usages.map((usage) => usage.peakRss)),
            peakAnon: Math.max(...usages.map((usage) => usage.peakAnon)),
            cpuMs: cpu.every((ms) => ms !== undefined) ? cpu.reduce((total, ms) => total + ms, 0) : undefined,
          },
    tally: parts.some((part) => part.tally) ? addCounts(parts.map((part) => part.tally ?? {})) : undefined,
    statuses: addCounts(parts.map((part) => part.statuses)),
  };
}

export function toRow(phase: { workload: string; mode: Mode; concurrency: number }, measured: Measured): Row {
  const row: Row = {
    workload: phase.workload,
    mode: phase.mode,
    concurrency: phase.concurrency,
    figures: summarize(measured.samples, measured.seconds, measured.usage),
  };
  if (measured.tally) row.sources = measured.tally;
  if (row.figures.errors > 0)
    row.sources = {
      ...row.sources,
      ...Object.fromEntries(Object.entries(measured.statuses).map(([status, count]) => [`status ${status}`, count])),
    };
  return row;
}

function addCounts(counts: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const each of counts) for (const [key, count] of Object.entries(each)) sum[key] = (sum[key] ?? 0) + count;
  return sum;
}
