/** Pure statistics over one phase's samples; no I/O, so the unit test covers them exactly. */

export interface Sample {
  /** Wall time of one request (or one in-process render) in milliseconds. */
  ms: number;
  /** Response body bytes; 0 for failures. */
  bytes: number;
  ok: boolean;
}

export interface Figures {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Median output size of the successful responses, so no speed is bought with quality. */
  outputBytes: number;
  peakRssMiB: number | undefined;
  peakAnonMiB: number | undefined;
  /** Server (or limit process) CPU per successful request in ms; the bench shares 2 cores with whatever else runs. */
  cpuMsPerRequest: number | undefined;
}

/** Nearest-rank percentile of an ascending array (p in 0…100); NaN for no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function summarize(
  samples: readonly Sample[],
  seconds: number,
  memory: { peakRss: number; peakAnon: number; cpuMs?: number | undefined } | undefined,
): Figures {
  const succeeded = samples.filter((sample) => sample.ok);
  const latencies = succeeded.map((sample) => sample.ms).sort((a, b) => a - b);
  return {
    requests: samples.length,
    errors: samples.length - succeeded.length,
    seconds: round(seconds, 3),
    rps: seconds > 0 ? round(succeeded.length / seconds, 2) : 0,
    p50: round(percentile(latencies, 50), 2),
    p95: round(percentile(latencies, 95), 2),
    p99: round(percentile(latencies, 99), 2),
    outputBytes: succeeded.length > 0 ? median(succeeded.map((sample) => sample.bytes)) : 0,
    ...usageFigures(memory, succeeded.length),
  };
}

/** The serving process's share of a row: peak memory in MiB and CPU per successful request. */
export function usageFigures(
  memory: { peakRss: number; peakAnon: number; cpuMs?: number | undefined } | undefined,
  succeeded: number,
): Pick<Figures, 'peakRssMiB' | 'peakAnonMiB' | 'cpuMsPerRequest'> {
  return {
    peakRssMiB: memory ? round(memory.peakRss / 2 ** 20, 1) : undefined,
    peakAnonMiB: memory ? round(memory.peakAnon / 2 ** 20, 1) : undefined,
    cpuMsPerRequest: memory?.cpuMs !== undefined && succeeded > 0 ? round(memory.cpuMs / succeeded, 2) : undefined,
  };
}

export function round(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** a ÷ b, or undefined when either side is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  return round(a / b, 2);
}
