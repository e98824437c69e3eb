import type { NearDuplicateFigures } from './scenarios/near-duplicates.ts';
import type { Figures } from './stats.ts';

/**
 * limit: raw sharp without HTTP or storage; limit-gate: the same with no more renders in flight
 * than the origin's render gate (only where the concurrency exceeds the gate); cold: every request
 * a new variant; warm: memory hits; warm-wrk: the same memory hits measured by wrk (bench/wrk.ts),
 * when it is installed; stored: variants read back from storage after a restart; ipx: the peer;
 * edge-*: the Worker in front of the origin.
 */
export const modes = ['limit', 'limit-gate', 'ipx', 'cold', 'warm', 'warm-wrk', 'stored', 'edge-miss', 'edge-hit'] as const;
export type Mode = (typeof modes)[number];

export interface Row {
  workload: string;
  mode: Mode;
  concurrency: number;
  figures: Figures;
  /** Where the responses came from (X-Variant-Source / X-Edge-Cache), to prove the mode. */
  sources?: Record<string, number>;
}

export interface UploadFigures {
  /** limit: the same files through the origin's own receive (sha256 + temp-file write) and validation, in-process, no HTTP. */
  kind: 'single' | 'multipart' | 'limit';
  files: number;
  bytes: number;
  concurrency: number;
  mbPerSecond: number | undefined;
  peakRssMiB: number | undefined;
  errors: number;
  note?: string;
}

export interface Scenarios {
  /** 8 concurrent renders of a 24 MP source; idle RSS (VmRSS, MiB) before and after them. */
  rss24mp?: {
    requests: number;
    ok: number;
    seconds: number;
    peakRssMiB: number;
    peakAnonMiB: number;
    idleBeforeMiB?: number;
    idleAfterMiB?: number;
    /** What the memory caches held at those two readings (pixelfront_memory_cache_bytes). */
    cachesBeforeMiB?: number;
    cachesAfterMiB?: number;
  };
  /** The 800 MB 16-bit TIFF: its multipart upload, then 3 concurrent renders; idle RSS before and after them. */
  largeTiff?: {
    bytes: number;
    uploadSeconds: number;
    uploadPeakRssMiB: number;
    requests: number;
    ok: number;
    renderSeconds: number;
    renderPeakRssMiB: number;
    idleBeforeMiB: number;
    idleAfterMiB: number;
    cachesBeforeMiB?: number;
    cachesAfterMiB?: number;
  };
  /** RSS after the first `first` mixed requests and after all `total`, measured once idle. */
  leak?: { first: number; total: number; errors: number; rssFirstMiB: number; rssAllMiB: number; anonFirstMiB: number; anonAllMiB: number };
  /** N identical concurrent requests for a variant that does not exist yet. */
  singleFlight?: { requests: number; answered: number; renders: number };
  /** Issue 20's quality guard, one entry per workload the ladder serves that has a reference. */
  ladderQuality?: LadderQualityFigures[];
  /** Near-duplicate lookups at NEAR_DUPLICATE_ROWS hashes of one tenant, per catalog engine (full run only). */
  nearDuplicates?: NearDuplicateFigures;
  /** Issue 20's fast-first: cold f_auto misses with Chromium's Accept against cold f_webp renders (bench/scenarios/fast-first.ts). */
  fastFirst?: FastFirstFigures[];
}

/** Latency of one mode's cold requests, ms to the whole response. */
export interface ColdLatency {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
}

export interface FastFirstFigures {
  /** Output width of the first variant asked; the others are a pixel narrower each. */
  width: number;
  /** The widths asked, each a new variant of the 12 MP JPEG. */
  ops: string;
  concurrency: number;
  webp: ColdLatency;
  auto: ColdLatency;
  /** Content-Type of the f_auto answers: image/webp is a fast-first answer, image/jxl one that waited. */
  autoAnswers: Record<string, number>;
}

export interface TargetResult {
  name: string;
  /** undefined: could not be measured in this run (the detail says why). */
  pass: boolean | undefined;
  detail: string;
}

/** One output of a ladder workload, scored against the original resized without shrink-on-load, unencoded. */
export interface LadderQualityFigures {
  workload: string;
  ops: string;
  width: number;
  height: number;
  /** What the origin's render decoded (Server-Timing), e.g. ladder-1600. */
  decoded: string;
  /** The rung the 2 × rule sends this size to under the configured LADDER_SIZES (absent in older results). */
  expected?: string;
  /** The origin's answer (from the mezzanine), dB. */
  ladderPsnr: number;
  /** Raw sharp on the original with shrink-on-load (the limit's render), dB. */
  directPsnr: number;
  ladderBytes: number;
  directBytes: number;
}
