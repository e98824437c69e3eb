/**
 * `npm run bench:uploads [-- --quick] [--rounds=N]`: the upload rows of `npm run bench` on their
 * own (issue 20, SPEC section 8): the upload limit in a limit runner's process
 * (bench/upload-limit.ts), then single and multipart uploads to the origin started as `npm start`
 * runs it, with the full run's files (12 and 6 distinct copies of the 2.9 MB 12 MP JPEG; `--quick`:
 * 4 and 2) at concurrency 2, one after another as in the full run, and the two target lines. With
 * `--rounds=N` the three rows run N times in turn (a fresh limit runner each round, one origin), so
 * a slow stretch of a shared host shows as one round's outlier; it prints each round and the
 * median ratios. Each row also gives the CPU per file of the process that did the work (the limit
 * runner's or the origin's, all threads, from /proc), which other load on the host barely moves.
 * As in the full run, the origin first gets the bench's sources uploaded (so it is
 * warm), but it has served no renders before the rows.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLimit } from './limit.ts';
import { describeMachine } from './machine.ts';
import { uploadImage } from './origin-api.ts';
import { repoRoot, startScriptEnv } from './processes.ts';
import type { UploadFigures } from './report-types.ts';
import { baseEnv, startOrigin } from './run.ts';
import { measureMultipartUploads, measureSingleUploads, measureUploadLimit } from './scenarios/uploads.ts';
import { median } from './stats.ts';
import { formatTargets, formatUploads } from './table.ts';
import { evaluateTargets } from './targets.ts';
import { threadCpu, type ThreadCpu } from './thread-cpu.ts';
import { sources } from './workloads.ts';

const corpus = join(repoRoot, '../shared/corpus');

function parseArgs(argv: readonly string[]): { quick: boolean; rounds: number } {
  const unknown = argv.filter((arg) => arg !== '--quick' && !/^--rounds=[1-9]\d?$/.test(arg));
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(' ')} (use --quick, --rounds=N with N 1…99)`);
  const rounds = argv.find((arg) => arg.startsWith('--rounds='))?.slice('--rounds='.length);
  return { quick: argv.includes('--quick'), rounds: rounds === undefined ? 1 : Number(rounds) };
}

function total(cpu: ThreadCpu): number {
  return cpu.main + cpu.libvips + cpu['pool+v8'];
}

async function main(): Promise<void> {
  const { quick, rounds } = parseArgs(process.argv.slice(2));
  const files = quick ? 4 : 12;
  const work = await mkdtemp(join(tmpdir(), 'pixelfront-bench-uploads-'));
  const photo = await readFile(join(corpus, sources.jpeg12mp));
  const serverEnv = await startScriptEnv();
  const origin = await startOrigin(join(work, 'data'), undefined);
  const ratios: Record<'single' | 'multipart', number[]> = { single: [], multipart: [] };
  const cpuRatios: Record<'single' | 'multipart', number[]> = { single: [], multipart: [] };
  try {
    for (const path of Object.values(sources))
      await uploadImage(origin.url, await readFile(join(corpus, path)), 'application/octet-stream');
    for (let round = 1; round <= rounds; round += 1) {
      const load = describeMachine().loadAverage;
      const limit = await startLimit(corpus, { ...baseEnv(), ...serverEnv });
      const uploads: UploadFigures[] = [];
      const cpu: Record<UploadFigures['kind'], number> = { limit: NaN, single: NaN, multipart: NaN };
      const timedCpu = async (kind: UploadFigures['kind'], pid: number, count: number, measure: () => Promise<UploadFigures>) => {
        const before = threadCpu(pid);
        uploads.push(await measure());
        const after = threadCpu(pid);
        cpu[kind] = (total(after) - total(before)) / count;
      };
      try {
        await timedCpu('limit', limit.pid, files, () => measureUploadLimit(limit, photo, files, 2, join(work, 'upload-limit')));
      } finally {
        await limit.stop();
      }
      await timedCpu('single', origin.pid, files, () => measureSingleUploads(origin.url, origin.pid, photo, files, 2));
      const parts = Math.max(2, files / 2);
      await timedCpu('multipart', origin.pid, parts, () => measureMultipartUploads(origin.url, origin.pid, photo, parts, 2));
      for (const kind of ['single', 'multipart'] as const) cpuRatios[kind].push(cpu.limit / cpu[kind]);
      const limitMbps = uploads[0]?.mbPerSecond ?? NaN;
      for (const upload of uploads)
        if (upload.kind === 'single' || upload.kind === 'multipart') ratios[upload.kind].push((upload.mbPerSecond ?? NaN) / limitMbps);
      console.log(`\nround ${round} of ${rounds} (load average ${load.join(' ')} → ${describeMachine().loadAverage.join(' ')})`);
      console.log(formatUploads(uploads));
      console.log(formatTargets(evaluateTargets([], {}, uploads).filter((target) => target.name.includes('upload ≥'))));
      // CPU of the serving process (all its threads, /proc) per file: unlike MB/s, barely moved by other load on the host.
      console.log(
        `CPU ms per file: limit ${cpu.limit.toFixed(0)}, single ${cpu.single.toFixed(0)} (limit ÷ single ${(cpu.limit / cpu.single).toFixed(2)}), multipart ${cpu.multipart.toFixed(0)} (${(cpu.limit / cpu.multipart).toFixed(2)})`,
      );
    }
    if (rounds > 1)
      console.log(
        `\nmedian over ${rounds} rounds: single ${median(ratios.single).toFixed(2)} ×, multipart ${median(ratios.multipart).toFixed(2)} × the upload limit; CPU per file, limit ÷ row: single ${median(cpuRatios.single).toFixed(2)}, multipart ${median(cpuRatios.multipart).toFixed(2)}`,
      );
  } finally {
    await origin.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:uploads failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
