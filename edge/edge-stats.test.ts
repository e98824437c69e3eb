import { describe, expect, it, vi } from 'vitest';
import { EdgeCounters, formatOfContentType, type EdgeCount } from './edge-stats.ts';

const at = Date.parse('2026-03-01T10:00:00Z');
const hit = (id = 'image0001', preset: string | null = 'thumb') => ({
  id,
  format: 'webp',
  preset: preset ?? undefined,
  state: 'hit' as const,
  bytes: 100,
});

describe('edge counters', () => {
  it('sums per image, day, format and preset, and sends at most every flushMs', async () => {
    const counters = new EdgeCounters();
    const sent: EdgeCount[][] = [];
    const send = (rows: EdgeCount[]) => {
      sent.push(rows);
      return Promise.resolve();
    };
    counters.count(hit(), at);
    await counters.sendIfDue(at, 10_000, send); // the first is due at once
    counters.count(hit(), at + 1_000);
    counters.count(hit(), at + 2_000);
    counters.count({ ...hit(), state: 'miss' }, at + 3_000);
    counters.count(hit('image0002', null), at + 4_000);
    expect(counters.sendIfDue(at + 9_999, 10_000, send)).toBeUndefined();
    await counters.sendIfDue(at + 10_000, 10_000, send);
    expect(sent).toEqual([
      [{ id: 'image0001', day: '2026-03-01', format: 'webp', preset: 'thumb', hits: 1, hitBytes: 100, misses: 0 }],
      [
        { id: 'image0001', day: '2026-03-01', format: 'webp', preset: 'thumb', hits: 2, hitBytes: 200, misses: 1 },
        { id: 'image0002', day: '2026-03-01', format: 'webp', preset: null, hits: 1, hitBytes: 100, misses: 0 },
      ],
    ]);
    // Nothing counted since: nothing to send, however late.
    expect(counters.sendIfDue(at + 60_000, 10_000, send)).toBeUndefined();
  });

  it('keeps the rows of a failed send for the next one, and sends one at a time', async () => {
    const counters = new EdgeCounters();
    counters.count(hit(), at);
    let fail = true;
    const sent: EdgeCount[][] = [];
    const send = (rows: EdgeCount[]) => {
      if (fail) return Promise.reject(new Error('origin down'));
      sent.push(rows);
      return Promise.resolve();
    };
    await counters.sendIfDue(at, 1_000, send);
    counters.count(hit(), at + 500);
    fail = false;
    let release: () => void = () => undefined;
    const slow = counters.sendIfDue(at + 1_000, 1_000, (rows) => {
      sent.push(rows);
      return new Promise<void>((resolve) => (release = resolve));
    });
    counters.count(hit(), at + 2_500);
    expect(counters.sendIfDue(at + 2_500, 1_000, send), 'one send in flight at a time').toBeUndefined();
    release();
    await slow;
    expect(sent).toEqual([[expect.objectContaining({ hits: 2, hitBytes: 200 })]]);
    await counters.sendIfDue(at + 2_600, 1_000, send);
    expect(sent[1]).toEqual([expect.objectContaining({ hits: 1 })]);
  });

  it('logs a failed send under the id of the request that made it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const counters = new EdgeCounters();
      counters.count(hit(), at);
      await counters.sendIfDue(at, 1_000, () => Promise.reject(new Error('origin down')), 'req-42');
      expect(warn).toHaveBeenCalledWith('edge: statistics not sent; kept for the next send (request req-42)', 'Error: origin down');
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps at most 50,000 rows while the origin refuses them, and says how many counts it dropped', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const counters = new EdgeCounters();
      const down = () => Promise.reject(new Error('origin down'));
      for (let n = 0; n < 50_000; n += 1) counters.count(hit(`image${String(n).padStart(5, '0')}`), at);
      // Rows already waiting still add up; new ones beyond the cap are dropped.
      counters.count(hit('image00000'), at);
      counters.count(hit('imageNew001'), at);
      counters.count({ ...hit('imageNew002'), state: 'miss' }, at);
      await counters.sendIfDue(at, 1_000, down, 'req-1');
      expect(warn).toHaveBeenCalledWith('edge: 2 hits and misses not counted: 50000 rows waited for the origin');
      warn.mockClear();
      const sent: EdgeCount[][] = [];
      await counters.sendIfDue(at + 1_000, 1_000, (rows) => (sent.push(rows), Promise.resolve()), 'req-2');
      expect(warn).not.toHaveBeenCalled();
      const rows = sent.flat();
      expect(rows).toHaveLength(50_000);
      expect(rows.find((row) => row.id === 'image00000')?.hits).toBe(2);
      expect(rows.some((row) => row.id.startsWith('imageNew'))).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it('names formats as the origin does', () => {
    expect(['image/webp', 'image/jpeg', 'image/svg+xml', 'image/avif; q=1', 'text/html', null].map(formatOfContentType)).toEqual([
      'webp',
      'jpeg',
      'svg',
      'avif',
      'other',
      'other',
    ]);
  });
});
