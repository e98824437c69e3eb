/**
 * `npm run bench:jxl [-- --quick]`: the JPEG XL comparison alone (the full `npm run bench` runs it
 * too; `--quick` there leaves it out, SPEC section 8). Prints its rows and target lines and writes
 * bench/results/<date>-jxl.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluateJxl, formatJxl, jxlRows } from './jxl-report.ts';
import { describeMachine } from './machine.ts';
import { repoRoot } from './processes.ts';
import { measureJxl } from './scenarios/jxl.ts';
import { formatTargets } from './table.ts';

async function main(): Promise<void> {
  const unknown = process.argv.slice(2).filter((arg) => arg !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(' ')} (use --quick)`);
  const quick = process.argv.includes('--quick');
  const machine = describeMachine();
  const started = Date.now();
  const samples = await measureJxl(join(repoRoot, '../shared/corpus'), quick, (line) => console.error(`bench: ${line}`));
  const targets = evaluateJxl(samples);
  console.log(
    `\nJPEG XL${quick ? ' (--quick)' : ''}: ${machine.nproc} cores ${machine.cpu}, load average ${machine.loadAverage.join(' ')}\n`,
  );
  console.log(formatJxl(samples));
  console.log(`\n${formatTargets(targets)}\n`);
  const date = new Date().toISOString();
  const file = join(repoRoot, 'bench/results', `${date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}-jxl.json`);
  await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
  const report = {
    date,
    quick,
    minutes: Math.round((Date.now() - started) / 600) / 100,
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    rows: jxlRows(samples),
    targets,
    samples,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${file} (${report.minutes} min)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
