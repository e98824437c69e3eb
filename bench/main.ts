/**
 * `npm run bench [-- --quick] [--no-edge] [--no-scenarios] [--only=workload,…] [--render-concurrency=N]`:
 * pixelfront against the raw-sharp limit and ipx on loopback, then the targets of issues 7 and 20 as
 * PASS/FAIL lines. Writes bench/results/<date>.json.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from './machine.ts';
import { formatNearDuplicates } from './scenarios/near-duplicates.ts';
import { parseOptions } from './options.ts';
import { runBench } from './run.ts';
import { evaluateQAuto, formatQAuto, qAutoRows } from './q-auto-report.ts';
import { measureQAuto } from './scenarios/q-auto.ts';
import { evaluateJxl, formatJxl, jxlRows } from './jxl-report.ts';
import { measureJxl } from './scenarios/jxl.ts';
import { formatLadderQuality, formatRows, formatTargets, formatUploads } from './table.ts';
import { evaluateAtGate, evaluateTargets } from './targets.ts';
import { sources } from './workloads.ts';
import { repoRoot } from './processes.ts';
import { resultsFileName } from './results-file.ts';

const corpus = join(repoRoot, '../shared/corpus');

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machineBefore = describeMachine();
  const work = await mkdtemp(join(tmpdir(), 'pixelfront-bench-'));
  try {
    // ipx serves a folder: copies of the sources in a temp dir (never in the repo).
    const ipxDir = join(work, 'ipx');
    await mkdir(join(ipxDir, 'edge'), { recursive: true });
    await mkdir(join(ipxDir, 'valid'), { recursive: true });
    for (const path of Object.values(sources)) await copyFile(join(corpus, path), join(ipxDir, path));
    const started = Date.now();
    const result = await runBench({ options, corpus, work, ipxDir, log: (line) => console.error(`bench: ${line}`) });
    const targets = evaluateTargets(result.rows, result.scenarios, result.uploads);
    const atGate = evaluateAtGate(result.rows);
    // Issue 19's q_auto comparison: the full run only (SPEC section 8 lets --quick leave it out).
    const qAutoSamples =
      options.quick || !options.scenarios ? [] : await measureQAuto(corpus, false, (line) => console.error(`bench: ${line}`));
    const qAuto = qAutoSamples.length === 0 ? undefined : { rows: qAutoRows(qAutoSamples), targets: evaluateQAuto(qAutoSamples) };
    // Issue 19's JPEG XL comparison, likewise the full run only.
    const jxlSamples =
      options.quick || !options.scenarios ? [] : await measureJxl(corpus, false, (line) => console.error(`bench: ${line}`));
    const jxl = jxlSamples.length === 0 ? undefined : { rows: jxlRows(jxlSamples), targets: evaluateJxl(jxlSamples) };
    const tuning = JSON.parse(await readFile(join(repoRoot, 'bench/tuning.json'), 'utf8')) as unknown;
    const report = {
      date: new Date().toISOString(),
      quick: options.quick,
      minutes: Math.round((Date.now() - started) / 600) / 100,
      machine: { ...machineBefore, loadAverageAfter: describeMachine().loadAverage },
      serverEnv: result.serverEnv,
      renderGate: result.renderGate,
      options,
      rows: result.rows,
      uploads: result.uploads,
      scenarios: result.scenarios,
      targets,
      atGate,
      ...(qAuto === undefined ? {} : { qAuto }),
      ...(jxl === undefined ? {} : { jxl }),
      notes: result.notes,
      tuning,
    };
    const gate = options.renderConcurrency === undefined ? '' : ` with RENDER_CONCURRENCY=${options.renderConcurrency}`;
    console.log(
      `\npixelfront bench${options.quick ? ' (--quick)' : ''}${gate}: ${report.machine.nproc} cores ${report.machine.cpu}, node ${report.machine.node}, sharp ${report.machine.sharp} (libvips ${report.machine.libvips}), load average ${machineBefore.loadAverage.join(' ')}\n`,
    );
    console.log(formatRows(result.rows));
    console.log(`\n${formatUploads(result.uploads)}\n`);
    if (result.scenarios.nearDuplicates) console.log(`${formatNearDuplicates(result.scenarios.nearDuplicates)}\n`);
    for (const note of result.notes) console.log(`note: ${note}`);
    console.log(`\n${formatTargets(targets)}\n`);
    if (result.scenarios.ladderQuality) console.log(`${formatLadderQuality(result.scenarios.ladderQuality)}\n`);
    if (qAuto !== undefined)
      console.log(
        `Content-aware quality (issue 19), in-process renders at 800 px\n${formatQAuto(qAutoSamples)}\n\n${formatTargets(qAuto.targets)}\n`,
      );
    if (jxl !== undefined)
      console.log(
        `JPEG XL (issue 19): bytes at WebP's default SSIM and encode time, same pixels at 800 px\n${formatJxl(jxlSamples)}\n\n${formatTargets(jxl.targets)}\n`,
      );
    if (atGate.length > 0)
      console.log(
        `Beside the targets: cold against raw sharp with no more renders in flight than the origin's gate (RENDER_CONCURRENCY=${result.renderGate})\n${formatTargets(atGate)}\n`,
      );
    const file = join(repoRoot, 'bench/results', resultsFileName(report.date, options));
    await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`results: ${file} (${report.minutes} min)`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
