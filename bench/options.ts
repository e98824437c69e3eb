import { loadConfig } from '../origin/config.ts';

/** Run sizes: the full run (4-8 min on 2 cores, see bench/README.md) and `--quick` (< 2 min), both bounded. */
export interface BenchOptions {
  quick: boolean;
  edge: boolean;
  /** `--only=a,b`: just these workloads (for tuning runs); the scenarios still run. */
  only: string[] | undefined;
  /** `--no-scenarios`: skip uploads, single flight, 24 MP RSS and the leak check (for tuning runs). */
  scenarios: boolean;
  /**
   * `--render-concurrency=N`: start the origin with RENDER_CONCURRENCY=N instead of the default
   * (2 × the core count), to measure what the render gate costs; the table and results say so.
   */
  renderConcurrency: number | undefined;
  concurrencies: number[];
  /** limit, ipx and cold of one workload take turns this many times (see `rounds`). */
  rounds: number;
  /** Cold requests per phase for a weight-1 workload; also the spacing of variant widths. */
  cold: number;
  warm: number;
  edgeHits: number;
  leakFirst: number;
  leakTotal: number;
  singleFlight: number;
  /** Cold f_webp and f_auto requests per round and width of the fast-first scenario, and its rounds. */
  fastFirst: { perRound: number; rounds: number };
  uploads: number;
  /** Upper bound of one phase, whatever is left of its requests. */
  maxPhaseSeconds: number;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const valued = (name: string) => argv.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
  const unknown = argv.filter(
    (arg) => !['--quick', '--no-edge', '--no-scenarios'].includes(arg) && !/^--(only|render-concurrency)=/.test(arg),
  );
  if (unknown.length > 0)
    throw new Error(
      `unknown option(s): ${unknown.join(' ')} (use --quick, --no-edge, --no-scenarios, --only=workload,…, --render-concurrency=N)`,
    );
  const only = valued('--only')?.split(',').filter(Boolean);
  const renderConcurrency = valued('--render-concurrency');
  if (renderConcurrency !== undefined && !/^[1-9]\d{0,2}$/.test(renderConcurrency))
    throw new Error(`--render-concurrency takes a whole number from 1 to 999, got "${renderConcurrency}"`);
  const quick = argv.includes('--quick');
  const base = quick
    ? {
        cold: 8,
        warm: 300,
        edgeHits: 200,
        leakFirst: 100,
        leakTotal: 1000,
        singleFlight: 100,
        uploads: 4,
        maxPhaseSeconds: 20,
        fastFirst: { perRound: 2, rounds: 2 },
      }
    : {
        cold: 80,
        warm: 4000,
        edgeHits: 2000,
        leakFirst: 500,
        leakTotal: 5000,
        singleFlight: 100,
        uploads: 12,
        maxPhaseSeconds: 60,
        fastFirst: { perRound: 12, rounds: 3 },
      };
  return {
    quick,
    edge: !argv.includes('--no-edge'),
    scenarios: !argv.includes('--no-scenarios'),
    only,
    renderConcurrency: renderConcurrency === undefined ? undefined : Number(renderConcurrency),
    concurrencies: [2, 8],
    rounds: 3,
    ...base,
  };
}

/** What the bench adds to the origin's environment for --render-concurrency (nothing without it). */
export function gateEnv(renderConcurrency: number | undefined): Record<string, string> {
  return renderConcurrency === undefined ? {} : { RENDER_CONCURRENCY: String(renderConcurrency) };
}

/** The render gate the origin runs with: its own config's default (2 × the core count), or --render-concurrency. */
export function renderGate(renderConcurrency: number | undefined): number {
  return loadConfig(gateEnv(renderConcurrency)).renderConcurrency;
}

/** Cold requests for one workload at one concurrency: at least one per connection. */
export function coldCount(options: BenchOptions, weight: number, concurrency: number): number {
  return Math.max(concurrency, Math.round(options.cold * weight));
}

/**
 * The variant offsets k of a phase. Each (phase group, concurrency) gets its own block of k,
 * so a cold phase never meets a variant an earlier phase made; limit and ipx reuse the cold
 * block of the same concurrency so they do exactly the same work.
 */
export function variantKs(
  options: BenchOptions,
  group: 'cold' | 'edge',
  concurrencyIndex: number,
  count: number,
  weight: number,
): number[] {
  const block = (group === 'cold' ? 0 : options.concurrencies.length) + concurrencyIndex;
  // Blocks as long as the longest phase of this workload, so no two blocks overlap.
  const stride = Math.max(...options.concurrencies.map((concurrency) => coldCount(options, weight, concurrency)));
  return Array.from({ length: count }, (_, index) => block * stride + index);
}

/**
 * Splits a phase's variant offsets into at most `maxRounds` consecutive chunks of at least
 * `concurrency` each (one chunk when there are too few), so the modes compared with each other can
 * take turns: the shared host's speed drifts by tens of percent over minutes, and a slow stretch
 * should weigh on limit, ipx and pixelfront alike rather than on whichever ran during it.
 */
export function rounds(ks: readonly number[], concurrency: number, maxRounds: number): number[][] {
  const count = Math.max(1, Math.min(maxRounds, Math.floor(ks.length / Math.max(1, concurrency))));
  return Array.from({ length: count }, (_, index) =>
    ks.slice(Math.floor((index * ks.length) / count), Math.floor(((index + 1) * ks.length) / count)),
  );
}

/**
 * Whether ipx takes its turn at this concurrency. `--quick` asks ipx for a slow workload (AVIF:
 * ~8 s a render at ipx's effort 4 on 2 cores) at the lowest concurrency only: at c8 its 8
 * renders alone took ~80 s of a quick run at load ~12, more than the rest of the AVIF rows.
 */
export function asksIpx(options: BenchOptions, slowIpx: boolean, concurrency: number): boolean {
  return !(options.quick && slowIpx && concurrency > Math.min(...options.concurrencies));
}
