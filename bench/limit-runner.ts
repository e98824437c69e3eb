/**
 * The limit: raw sharp doing a workload's operations, with no HTTP and no storage. Runs in its
 * own process (forked by the bench with the origin's environment) so its RSS is its own and
 * the HTTP client's work does not share its event loop.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { configureSharp } from '../origin/transform/configure-sharp.ts';
import type { Sample } from './stats.ts';
import { runUploadLimit, type UploadLimitJob } from './upload-limit.ts';
import { makeLogo, sources, workloads, type LimitInput, type SourceName } from './workloads.ts';

export interface LimitJob {
  workload: string;
  ks: number[];
  concurrency: number;
}

export type RunnerJob = LimitJob | UploadLimitJob;

export interface LimitReply {
  samples: Sample[];
  seconds: number;
  error?: string;
}

async function loadInputs(corpus: string): Promise<Record<SourceName, LimitInput>> {
  const logo = await makeLogo();
  const entries = await Promise.all(
    Object.entries(sources).map(async ([name, path]) => {
      const data = await readFile(join(corpus, path));
      const meta = await sharp(data).metadata();
      return [name, { data, logo, loop: meta.loop, delay: meta.delay }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<SourceName, LimitInput>;
}

async function runJob(inputs: Record<SourceName, LimitInput>, job: LimitJob): Promise<LimitReply> {
  const workload = workloads.find((candidate) => candidate.name === job.workload);
  if (!workload) return { samples: [], seconds: 0, error: `unknown workload ${job.workload}` };
  const input = inputs[workload.source];
  const samples: Sample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < job.ks.length) {
      const k = job.ks[next++] ?? 0;
      const started = performance.now();
      try {
        const output = await workload.limit(input, k);
        samples.push({ ms: performance.now() - started, bytes: output.length, ok: true });
      } catch {
        samples.push({ ms: performance.now() - started, bytes: 0, ok: false });
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { samples, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const corpus = process.argv[2];
  if (!corpus || !process.send) throw new Error('usage: forked by the bench with the corpus directory');
  // The same process-wide sharp settings as origin/server.ts, so the limit is our stack's ceiling.
  configureSharp();
  const inputs = await loadInputs(corpus);
  process.on('message', (job: RunnerJob) => {
    const work = 'upload' in job ? runUploadLimit(inputs.jpeg12mp.data, job.upload) : runJob(inputs, job);
    work.then(
      (reply) => process.send?.(reply),
      (error: unknown) => process.send?.({ samples: [], seconds: 0, error: String(error) }),
    );
  });
  process.send({ ready: true, concurrency: sharp.concurrency() });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
