import { readFile } from 'node:fs/promises';
import { memoryCacheBytes } from './origin-api.ts';
import { round } from './stats.ts';

export interface Memory {
  /** VmRSS: everything resident, including file pages libvips maps from the image it reads. */
  rss: number;
  /** RssAnon: what the process allocated (heaps, native buffers). */
  anon: number;
}

/** Resident memory of a process from /proc (Linux); undefined once it is gone. */
export async function readMemory(pid: number): Promise<Memory | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return { rss: kib(status, 'VmRSS'), anon: kib(status, 'RssAnon') };
  } catch {
    return undefined;
  }
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}

/** CPU time (user + system, all threads) a process has used so far, in ms; from /proc/<pid>/stat. */
export async function readCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * clockTickMs : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ is 100 on every Linux the bench targets (getconf CLK_TCK). */
const clockTickMs = 10;

export interface ProcessUsage {
  peakRss: number;
  peakAnon: number;
  /** CPU the process used while sampled, in ms: robust to a busy neighbour, unlike wall time. */
  cpuMs: number | undefined;
}

/** Polls a process's memory every `everyMs` until stopped; returns the peaks seen and the CPU used. */
export function sampleMemory(pid: number, everyMs = 20): { stop(): Promise<ProcessUsage> } {
  const cpuAtStart = readCpuMs(pid);
  let peakRss = 0;
  let peakAnon = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const memory = await readMemory(pid);
      if (memory) {
        peakRss = Math.max(peakRss, memory.rss);
        peakAnon = Math.max(peakAnon, memory.anon);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      // One last reading, so a phase shorter than the interval still has a figure.
      const memory = await readMemory(pid);
      if (memory) {
        peakRss = Math.max(peakRss, memory.rss);
        peakAnon = Math.max(peakAnon, memory.anon);
      }
      const [before, after] = await Promise.all([cpuAtStart, readCpuMs(pid)]);
      return { peakRss, peakAnon, cpuMs: before === undefined || after === undefined ? undefined : after - before };
    },
  };
}

/**
 * How long the origin is left alone before idle RSS is read: past V8's memory reducer, which
 * collects the renders' dead Buffers 4–8 s after the allocations stop (read every second after
 * 8 concurrent 24 MP renders with jemalloc: 154 MiB until 4 s, 122 from 5 s on; another run
 * +37 % at 5 s, +3 % at 15 s).
 */
const SETTLE_MS = 10_000;

/** Idle figures of a scenario, in MiB: VmRSS, and what the memory caches hold of it. */
export interface IdleMemory {
  idleMiB: number;
  cachesMiB: number;
}

/**
 * Resident memory once the process has been left alone for SETTLE_MS, and the bytes its memory
 * caches hold then (`pixelfront_memory_cache_bytes`), so a growth can be told apart from what the
 * default caches rightly keep of the renders.
 */
export async function idleMemory(origin: string, pid: number): Promise<IdleMemory> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rss = (await readMemory(pid))?.rss ?? Number.NaN;
  return { idleMiB: round(rss / 2 ** 20, 1), cachesMiB: round((await memoryCacheBytes(origin)) / 2 ** 20, 1) };
}

/** The idle fields of a scenario's figures, from the readings before and after its renders. */
export function idleFigures(before: IdleMemory, after: IdleMemory) {
  return { idleBeforeMiB: before.idleMiB, idleAfterMiB: after.idleMiB, cachesBeforeMiB: before.cachesMiB, cachesAfterMiB: after.cachesMiB };
}
