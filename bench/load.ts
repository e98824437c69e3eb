import { Pool } from 'undici';
import type { Sample } from './stats.ts';

export interface LoadPlan {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  origin: string;
  /** Request path of the i-th request. */
  path: (index: number) => string;
  requests: number;
  concurrency: number;
  /** Stop issuing new requests after this long, whatever is left of `requests`. */
  maxSeconds: number;
  /** Statuses that count as success (default 200). */
  okStatus?: (status: number, index: number) => boolean;
  headers?: Record<string, string>;
  /** A response header whose values are tallied (e.g. x-variant-source), with the source a render decoded beside it. */
  tally?: string;
}

export interface LoadResult {
  samples: Sample[];
  seconds: number;
  tally: Record<string, number>;
  statuses: Record<string, number>;
}

/**
 * Closed-loop load: `concurrency` workers on one undici Pool with as many keep-alive
 * connections, each sending its next request when the previous answer is fully read.
 */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const pool = new Pool(plan.origin, {
    connections: plan.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const samples: Sample[] = [];
  const tally: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const okStatus = plan.okStatus ?? ((status: number) => status === 200);
  const stopAt = performance.now() + plan.maxSeconds * 1000;
  let next = 0;
  const worker = async () => {
    while (next < plan.requests && performance.now() < stopAt) {
      const index = next++;
      const started = performance.now();
      try {
        const response = await pool.request({ path: plan.path(index), method: 'GET', headers: plan.headers ?? {} });
        // Counted, not collected: concatenating every body would spend the shared cores on the client.
        let bytes = 0;
        for await (const chunk of response.body) bytes += (chunk as Buffer).length;
        const ok = okStatus(response.statusCode, index);
        samples.push({ ms: performance.now() - started, bytes: ok ? bytes : 0, ok });
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (plan.tally) {
          const key = tallyKey(response.headers[plan.tally], response.headers['server-timing']);
          tally[key] = (tally[key] ?? 0) + 1;
        }
      } catch (error) {
        samples.push({ ms: performance.now() - started, bytes: 0, ok: false });
        const key = error instanceof Error ? error.name : 'error';
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
  } finally {
    await pool.close();
  }
  return { samples, seconds: (performance.now() - started) / 1000, tally, statuses };
}

/**
 * The tally's key: the header's value, then what a render decoded when Server-Timing names it
 * (`render ladder-1600`, `render original`), so a row proves whether the ladder served it.
 */
export function tallyKey(value: string | string[] | undefined, serverTiming: string | string[] | undefined): string {
  const key = typeof value === 'string' ? value : 'none';
  const decoded = typeof serverTiming === 'string' ? /(?:^|,)\s*decode;desc="([^"]*)"/.exec(serverTiming)?.[1] : undefined;
  return decoded === undefined ? key : `${key} ${decoded}`;
}
