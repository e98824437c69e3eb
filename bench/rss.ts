import { readFile } from 'node:fs/promises';

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

/** Polls a process's memory every `everyMs` until stopped; returns the peaks seen. */
export function sampleMemory(pid: number, everyMs = 20): { stop(): Promise<{ peakRss: number; peakAnon: number }> } {
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
      return { peakRss, peakAnon };
    },
  };
}
