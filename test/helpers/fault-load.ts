/**
 * Load for the backend fault-injection tests: a few clients requesting the same paths in a loop,
 * every answer recorded with when it was asked and how long it took, so a test can say what the
 * service answered while a backend was cut or silent and how soon it recovered.
 */

import type { TcpProxy } from './tcp-proxy.ts';

export interface Sample {
  path: string;
  /** ms since the load started. */
  start: number;
  ms: number;
  /** The HTTP status, or `no answer` when the client gave up, `error` when the connection failed. */
  status: number | 'no answer' | 'error';
  code: string | undefined;
  /** The problem's detail, for a failure's report. */
  detail?: string | undefined;
  /** The JSON body's `status` field when it is a string (`/readyz`: ok, degraded, unavailable). */
  state?: string | undefined;
}

export interface Load {
  samples: Sample[];
  /** ms since the load started. */
  now(): number;
  stop(): Promise<void>;
}

export interface Request {
  /** What the samples name it by, and what is fetched unless `url` says otherwise. */
  path: string;
  /** A path per call (a new variant each time, say). */
  url?: () => string;
  init?: () => RequestInit;
}

/** `clients` loops over `requests`; a request unanswered after `giveUpMs` counts as `no answer`. */
export function startLoad(base: string, requests: readonly Request[], options: { clients: number; giveUpMs: number }): Load {
  const began = performance.now();
  const now = () => performance.now() - began;
  const samples: Sample[] = [];
  let stopped = false;
  const client = async (offset: number) => {
    for (let round = offset; !stopped; round += 1) {
      const request = requests[round % requests.length];
      if (request === undefined) return;
      const start = now();
      let status: Sample['status'];
      let code: string | undefined;
      let detail: string | undefined;
      let state: string | undefined;
      try {
        const response = await fetch(`${base}${request.url?.() ?? request.path}`, {
          ...request.init?.(),
          signal: AbortSignal.timeout(options.giveUpMs),
        });
        status = response.status;
        const text = await response.text();
        const body = text.startsWith('{') ? (JSON.parse(text) as { code?: string; detail?: string; status?: unknown }) : {};
        if (status >= 400) ({ code, detail } = body);
        if (typeof body.status === 'string') state = body.status;
      } catch (error) {
        status = error instanceof Error && error.name === 'TimeoutError' ? 'no answer' : 'error';
        // A refused connection answers at once; do not spin on it.
        if (status === 'error') await sleep(20);
      }
      samples.push({ path: request.path, start, ms: now() - start, status, code, detail, state });
    }
  };
  const running = Array.from({ length: options.clients }, (_, index) => client(index));
  return {
    samples,
    now,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long after `from` every path answered `ok` again, and stayed so until `to`: the start of
 * the first request after which nothing failed, relative to `from`. undefined: it never recovered.
 */
export function recoveredAfter(samples: readonly Sample[], from: number, to: number, ok: (sample: Sample) => boolean): number | undefined {
  // Answered before `to`: a request in flight when the next fault began is that fault's.
  const after = samples.filter((sample) => sample.start >= from && sample.start + sample.ms < to).sort((a, b) => a.start - b.start);
  const lastBad = after.findLastIndex((sample) => !ok(sample));
  const first = after[lastBad + 1];
  return first === undefined ? undefined : first.start - from;
}

/** One line per status for a phase, for the test log (the README's fault matrix comes from it). */
export function summarise(samples: readonly Sample[], from: number, to: number): string {
  const phase = samples.filter((sample) => sample.start >= from && sample.start < to);
  const byStatus = new Map<string, number[]>();
  for (const sample of phase) {
    const label = sample.code ?? sample.state;
    // Image ids (22 characters) are the same in every request: name the route instead.
    const key = `${sample.path.replace(/\/[A-Za-z0-9_-]{22}\b/g, '/:id')} ${sample.status}${label ? ` ${label}` : ''}`;
    byStatus.set(key, [...(byStatus.get(key) ?? []), sample.ms]);
  }
  return [...byStatus].map(([key, times]) => `${key} ×${times.length} (max ${Math.round(Math.max(...times))} ms)`).join(', ');
}

export interface Fault {
  name: string;
  apply(): void;
  restore(): void;
  /** How long the fault lasts. */
  ms: number;
}

/** The matrix the backend tests run through a proxy: two 1 s cuts, then 3 s of silence. */
export function proxyFaults(proxy: Pick<TcpProxy, 'cut' | 'blackhole' | 'restore'>): Fault[] {
  const restore = () => proxy.restore();
  const cut = (name: string): Fault => ({ name, apply: () => proxy.cut(), restore, ms: 1_000 });
  return [cut('cut 1'), cut('cut 2'), { name: 'blackhole', apply: () => proxy.blackhole(), restore, ms: 3_000 }];
}

export interface Phase {
  name: string;
  /** ms since the load started: the fault began, it was lifted, the next phase began. */
  from: number;
  restored: number;
  until: number;
  /** ms after `restored` from which every answer was ok; undefined: not within the phase. */
  recovered: number | undefined;
  /** What was answered during the fault, one entry per status. */
  during: string;
}

/**
 * Applies the faults one after another under `load`; after each, waits until the last answers
 * are all ok (at most `waitMs`), then the next begins.
 */
export async function runFaults(load: Load, faults: readonly Fault[], ok: (sample: Sample) => boolean, waitMs: number): Promise<Phase[]> {
  const marks: { name: string; from: number; restored: number }[] = [];
  for (const fault of faults) {
    const from = load.now();
    fault.apply();
    await sleep(fault.ms);
    fault.restore();
    const restored = load.now();
    marks.push({ name: fault.name, from, restored });
    const began = performance.now();
    while (performance.now() - began < waitMs) {
      const recent = load.samples.filter((sample) => sample.start >= restored).slice(-20);
      if (recent.length === 20 && recent.every(ok)) break;
      await sleep(100);
    }
  }
  await sleep(1_000);
  return marks.map((mark, index) => {
    const until = marks[index + 1]?.from ?? load.now();
    return {
      ...mark,
      until,
      recovered: recoveredAfter(load.samples, mark.restored, until, ok),
      during: summarise(load.samples, mark.from, mark.restored),
    };
  });
}

export function describePhases(phases: readonly Phase[]): string {
  return phases
    .map(
      (phase) =>
        `${phase.name}: during ${phase.during}; all answers ok again ${phase.recovered === undefined ? 'never' : `${Math.round(phase.recovered)} ms`} after restore`,
    )
    .join('\n');
}
