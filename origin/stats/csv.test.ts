import { describe, expect, it } from 'vitest';
import { toCsv, wantsCsv } from './csv.ts';

describe('statistics CSV', () => {
  it('writes RFC 4180 lines: CRLF, quoted cells with commas, quotes or line breaks, empty for null', () => {
    expect(
      toCsv(
        ['id', 'filename', 'n'],
        [
          ['a', 'plain.png', 1],
          ['b', 'a, "b".png', 2.5],
          ['c', 'two\nlines', null],
          ['d', undefined, 0],
        ],
      ),
    ).toBe('id,filename,n\r\na,plain.png,1\r\nb,"a, ""b"".png",2.5\r\nc,"two\nlines",\r\nd,,0\r\n');
  });

  it('keeps a text cell that a spreadsheet would run as a formula as text, and leaves numbers alone', () => {
    const cells = ['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', '\tx', '\rx', 'a=b'];
    expect(
      toCsv(
        ['filename'],
        cells.map((cell) => [cell]),
      )
        .split('\r\n')
        .slice(1, -1),
    ).toEqual([`"'=HYPERLINK(""http://x"")"`, "'+1", "'-2", "'@SUM(A1)", "'\tx", `"'\rx"`, 'a=b']);
    expect(toCsv(['n'], [[-2]])).toBe('n\r\n-2\r\n');
  });

  it('answers CSV for ?format=csv, or an Accept that prefers text/csv to JSON', () => {
    const cases: [string | undefined, 'json' | 'csv' | undefined, boolean][] = [
      [undefined, undefined, false],
      ['*/*', undefined, false],
      ['text/csv', undefined, true],
      ['TEXT/CSV; charset=utf-8', undefined, true],
      ['text/csv, application/json', undefined, true],
      ['application/json, text/csv', undefined, false],
      ['application/json;q=0.5, text/csv', undefined, true],
      ['text/csv;q=0.5, application/json', undefined, false],
      ['text/csv;q=0', undefined, false],
      ['text/csv;q=0.1, */*', undefined, true],
      ['text/csv', 'json', false],
      ['application/json', 'csv', true],
    ];
    for (const [accept, format, csv] of cases) expect(wantsCsv(accept, format), `${String(accept)} ${String(format)}`).toBe(csv);
  });
});
