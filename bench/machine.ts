import { availableParallelism, cpus, freemem, loadavg, totalmem } from 'node:os';
import sharp from 'sharp';

export interface Machine {
  nproc: number;
  cpu: string;
  memTotalGiB: number;
  memFreeGiB: number;
  node: string;
  sharp: string;
  libvips: string;
  sharpConcurrency: number;
  loadAverage: number[];
}

/** What the numbers were measured on; load average shows whether the box was shared at the time. */
export function describeMachine(): Machine {
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memTotalGiB: gib(totalmem()),
    memFreeGiB: gib(freemem()),
    node: process.version,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    sharpConcurrency: sharp.concurrency(),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
