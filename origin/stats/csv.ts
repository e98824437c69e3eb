import type { Context } from 'hono';
import { listedQualities } from '../../core/negotiate.ts';

export type CsvCell = string | number | null | undefined;

/**
 * RFC 4180 text: a header line, then one line per row, CRLF-terminated. A cell starting with
 * `=`, `+`, `-`, `@`, tab or CR (a file name, say) is prefixed with `'` so a spreadsheet shows it
 * as text instead of running it as a formula.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',') + '\r\n').join('');
}

function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * `?format=csv` wins; without it, CSV when Accept rates `text/csv` above `application/json`, or
 * as high and listed first (q values as f_auto reads them). `*\/*`, no Accept, or `text/csv;q=0`: JSON.
 */
export function wantsCsv(accept: string | undefined, format: 'json' | 'csv' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  const qualities = listedQualities(accept ?? '');
  const csv = qualities.get('text/csv') ?? 0;
  const json = qualities.get('application/json') ?? 0;
  if (csv === 0 || csv < json) return false;
  const order = [...qualities.keys()];
  return csv > json || order.indexOf('text/csv') < order.indexOf('application/json');
}

/** The rows as a CSV download (`name`.csv), never cached by a shared cache. */
export function csvResponse(c: Context, name: string, header: readonly string[], rows: readonly (readonly CsvCell[])[]): Response {
  return c.body(toCsv(header, rows), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `inline; filename="${name}.csv"`,
    'cache-control': 'private, no-store',
    vary: 'Accept',
  });
}
