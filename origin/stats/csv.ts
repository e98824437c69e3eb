import type { Context } from 'hono';

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

/** `?format=csv` wins; without it, an Accept header naming text/csv (and not JSON first) asks for CSV. */
export function wantsCsv(c: Context, format: 'json' | 'csv' | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  const accept = c.req.header('accept') ?? '';
  const csv = accept.indexOf('text/csv');
  const json = accept.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
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
