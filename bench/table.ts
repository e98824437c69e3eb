import type { LadderQualityFigures, Mode, Row, TargetResult, UploadFigures } from './report-types.ts';
import { ratio } from './stats.ts';

/**
 * Rows that ask for exactly the variants the limit and ipx made get ratios against them (pixelfront's,
 * and limit-gate's, whose ÷limit is what the render gate costs raw sharp); the edge rows use their
 * own variants (smaller widths), so a ratio there would mislead.
 */
const ownModes: ReadonlySet<Mode> = new Set(['limit-gate', 'cold', 'warm', 'warm-wrk', 'stored']);

export function findRow(rows: readonly Row[], workload: string, mode: Mode, concurrency: number): Row | undefined {
  return rows.find((row) => row.workload === workload && row.mode === mode && row.concurrency === concurrency);
}

const columns = [
  'workload',
  'c',
  'mode',
  'req/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'out bytes',
  'peak RSS MiB',
  'CPU ms/req',
  '÷limit',
  '÷ipx',
  'err',
] as const;
/** Every column but the names is a number, right-aligned. */
const numeric = new Set<string>(columns.filter((column) => column !== 'workload' && column !== 'mode'));

export function tableCells(rows: readonly Row[]): string[][] {
  return rows.map((row) => {
    const { figures } = row;
    const own = ownModes.has(row.mode);
    const limit = own ? ratio(figures.rps, findRow(rows, row.workload, 'limit', row.concurrency)?.figures.rps) : undefined;
    const ipx = own ? ratio(figures.rps, findRow(rows, row.workload, 'ipx', row.concurrency)?.figures.rps) : undefined;
    return [
      row.workload,
      String(row.concurrency),
      row.mode,
      fixed(figures.rps, 1),
      fixed(figures.p50, 1),
      fixed(figures.p95, 1),
      fixed(figures.p99, 1),
      String(figures.outputBytes),
      figures.peakRssMiB === undefined ? '–' : fixed(figures.peakRssMiB, 0),
      figures.cpuMsPerRequest === undefined ? '–' : fixed(figures.cpuMsPerRequest, 1),
      limit === undefined ? '' : `${fixed(limit, 2)}×`,
      ipx === undefined ? '' : `${fixed(ipx, 2)}×`,
      figures.errors > 0 ? String(figures.errors) : '',
    ];
  });
}

/** A Markdown table (readable in a terminal and pasteable into the README). */
export function formatTable(header: readonly string[], cells: readonly string[][]): string {
  const widths = header.map((title, index) => Math.max(title.length, ...cells.map((line) => (line[index] ?? '').length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((value, index) => (numeric.has(header[index] ?? '') ? value.padStart(widths[index] ?? 0) : value.padEnd(widths[index] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, index) => (numeric.has(header[index] ?? '') ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

export function formatRows(rows: readonly Row[]): string {
  return formatTable(columns, tableCells(rows));
}

export function formatUploads(uploads: readonly UploadFigures[]): string {
  const header = ['upload', 'files', 'c', 'MB/s', 'peak RSS MiB', 'err', 'note'];
  return formatTable(
    header,
    uploads.map((upload) => [
      upload.kind === 'limit' ? 'upload limit' : upload.kind,
      String(upload.files),
      String(upload.concurrency),
      upload.mbPerSecond === undefined ? '–' : fixed(upload.mbPerSecond, 1),
      upload.peakRssMiB === undefined ? '–' : fixed(upload.peakRssMiB, 0),
      upload.errors > 0 ? String(upload.errors) : '',
      upload.note ?? '',
    ]),
  );
}

/** Issue 20's quality guard: both renders' PSNR against the lossless no-shrink reference. */
export function formatLadderQuality(figures: readonly LadderQualityFigures[]): string {
  const header = ['quality guard', 'ops', 'size', 'decoded', 'origin PSNR dB', 'direct PSNR dB', 'Δ dB', 'origin bytes', 'direct bytes'];
  return formatTable(
    header,
    figures.map((each) => [
      each.workload,
      each.ops,
      `${each.width}×${each.height}`,
      each.decoded,
      fixed(each.ladderPsnr, 2),
      fixed(each.directPsnr, 2),
      fixed(each.ladderPsnr - each.directPsnr, 2),
      String(each.ladderBytes),
      String(each.directBytes),
    ]),
  );
}

export function formatTargets(targets: readonly TargetResult[]): string {
  return targets
    .map((target) => `${target.pass === undefined ? 'SKIP' : target.pass ? 'PASS' : 'FAIL'}  ${target.name}: ${target.detail}`)
    .join('\n');
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}
