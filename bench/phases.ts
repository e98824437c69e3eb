import type { LimitProcess } from './limit.ts';
import { runLoad, type LoadResult } from './load.ts';
import type { Mode, Row } from './report-types.ts';
import { sampleMemory } from './rss.ts';
import { summarize } from './stats.ts';

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

/** One HTTP phase: cycles over `paths`, samples the server's RSS, returns a table row. */
export async function httpPhase(phase: HttpPhase): Promise<Row> {
  const memory = phase.server.pid === undefined ? undefined : sampleMemory(phase.server.pid);
  const result: LoadResult = await runLoad({
    origin: phase.server.url,
    path: (index) => phase.paths[index % phase.paths.length] ?? '/',
    requests: phase.requests,
    concurrency: phase.concurrency,
    maxSeconds: phase.maxSeconds,
    ...(phase.tally ? { tally: phase.tally } : {}),
  });
  const peaks = memory ? await memory.stop() : undefined;
  const row: Row = { workload: phase.workload, mode: phase.mode, concurrency: phase.concurrency, figures: summarize(result.samples, result.seconds, peaks) };
  if (phase.tally) row.sources = result.tally;
  if (row.figures.errors > 0) row.sources = { ...row.sources, ...Object.fromEntries(Object.entries(result.statuses).map(([status, count]) => [`status ${status}`, count])) };
  return row;
}

export async function limitPhase(limit: LimitProcess, workload: string, concurrency: number, ks: number[]): Promise<Row> {
  const memory = sampleMemory(limit.pid);
  const reply = await limit.run({ workload, ks, concurrency });
  const peaks = await memory.stop();
  if (reply.error) throw new Error(`limit ${workload}: ${reply.error}`);
  return { workload, mode: 'limit', concurrency, figures: summarize(reply.samples, reply.seconds, peaks) };
}
