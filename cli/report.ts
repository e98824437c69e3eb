import { relative } from 'node:path';
import cliProgress from 'cli-progress';
import type { Problem } from './api-client.ts';
import type { FileOutcome, OutcomeStatus } from './upload-file.ts';

/**
 * Progress while uploading: a bar with bytes and files when the output is a terminal, otherwise
 * one plain line per finished file (logs and CI stay readable).
 */
export class Progress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private files = 0;
  private bytes = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly totalBytes: number,
    private readonly totalFiles: number,
  ) {
    if (out.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: out,
          format: '{bar} {percentage}% | {done} / {size} | {files}/{totalFiles} files | {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
          // Ctrl-C is the CLI's to handle: it stops the bar itself, then says what was done.
          gracefulExit: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(1, totalBytes), 0, this.payload());
    }
  }

  addBytes(bytes: number): void {
    this.bytes += bytes;
    this.bar?.update(this.bytes, this.payload());
  }

  /** The bar moves on; without a terminal the file's one line is printed (and no table after). */
  fileDone(outcome: FileOutcome): void {
    if (outcome.status !== 'interrupted') this.files += 1;
    if (this.bar) this.bar.update(this.bytes, this.payload());
    else this.out.write(`${outcome.status.padEnd(12)} ${relative(process.cwd(), outcome.file)} ${reason(outcome)}`.trimEnd() + '\n');
  }

  /** Whether the files were listed one by one as they finished (so the summary need not repeat them). */
  get listedFiles(): boolean {
    return this.bar === undefined;
  }

  /** Draws the bar a last time and ends its line. */
  stop(): void {
    this.bar?.stop();
  }

  private payload() {
    return { done: formatBytes(this.bytes), size: formatBytes(this.totalBytes), files: this.files, totalFiles: this.totalFiles };
  }
}

export interface Summary {
  counts: Record<OutcomeStatus, number>;
  items: FileOutcome[];
  /** Batches queued for the --eager presets of files the server already had. */
  eagerBatches?: string[] | undefined;
  /** Why those batches could not all be queued. */
  eagerError?: Problem | undefined;
}

export function summarize(items: FileOutcome[]): Summary {
  const counts: Record<OutcomeStatus, number> = { ok: 0, deduplicated: 0, rejected: 0, failed: 0, interrupted: 0 };
  for (const item of items) counts[item.status] += 1;
  return { counts, items };
}

/** The summary as an aligned text table: status, size, file, and the image id or the reason. */
export function summaryTable(summary: Summary): string {
  const rows = summary.items.map((item) => [
    item.status,
    formatBytes(item.bytes),
    relative(process.cwd(), item.file) || item.file,
    reason(item),
  ]);
  const header = ['status', 'size', 'file', 'image / reason'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line), '', countLine(summary)].join('\n');
}

/** `2 uploaded, 1 deduplicated (1 not sent: the server had it), 0 rejected, 0 failed[, 3 interrupted]`. */
export function countLine({ counts, items }: Summary): string {
  const skipped = items.filter((item) => item.skipped).length;
  return [
    `${counts.ok} uploaded`,
    `${counts.deduplicated} deduplicated${skipped > 0 ? ` (${skipped} not sent: the server had ${skipped === 1 ? 'it' : 'them'})` : ''}`,
    `${counts.rejected} rejected`,
    `${counts.failed} failed`,
    ...(counts.interrupted > 0 ? [`${counts.interrupted} interrupted`] : []),
  ].join(', ');
}

/** The image id, with why it was not sent; or the problem. */
function reason(item: FileOutcome): string {
  if (item.id) return item.skipped ? `${item.id} (already on the server, not sent)` : item.id;
  return item.error ? `${item.error.code}: ${item.error.detail}` : '';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
