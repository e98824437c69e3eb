/** bench:overhead's pure parts and the thread CPU reading (no timing assertions). */
import { describe, expect, it } from 'vitest';
import { missingEnv, overheadOps, parseOverheadOptions } from './overhead-plan.ts';
import { parseThreadStat, perRequest, threadCpu } from './thread-cpu.ts';

describe('bench:overhead plan', () => {
  it('gives every round new variants over the same 200 widths', () => {
    expect([overheadOps(0, 0), overheadOps(0, 199), overheadOps(0, 200)]).toEqual([
      { width: 700, q: undefined, ops: 'w_700' },
      { width: 501, q: undefined, ops: 'w_501' },
      { width: 700, q: undefined, ops: 'w_700' },
    ]);
    expect(overheadOps(1, 5)).toEqual({ width: 695, q: 79, ops: 'w_695,q_79' });
    const first = new Set(Array.from({ length: 200 }, (_, index) => overheadOps(0, index).ops));
    const second = new Set(Array.from({ length: 200 }, (_, index) => overheadOps(1, index).ops));
    expect(first.size).toBe(200);
    expect([...second].some((ops) => first.has(ops))).toBe(false);
  });

  it('reads its options and refuses others', () => {
    expect(parseOverheadOptions([])).toEqual({ requests: 200, rounds: 2 });
    expect(parseOverheadOptions(['--requests=50', '--rounds=3'])).toEqual({ requests: 50, rounds: 3 });
    expect(() => parseOverheadOptions(['--requests=0'])).toThrow(/whole number/);
    expect(() => parseOverheadOptions(['--rounds=21'])).toThrow(/at most 20/);
    expect(() => parseOverheadOptions(['--quick'])).toThrow(/unknown option/);
  });

  it('names the start script variables this process lacks or has otherwise', () => {
    const wanted = { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=1' };
    expect(missingEnv(wanted, { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=1' })).toEqual({});
    expect(missingEnv(wanted, { MALLOC_ARENA_MAX: '8' })).toEqual(wanted);
  });
});

describe('thread CPU', () => {
  // /proc/<pid>/task/<tid>/stat: utime (14th field) 150 and stime 50 ticks, a name with a space.
  const stat = (name: string) => `4242 (${name}) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 12 0 100 0 0`;

  it('sorts threads into main, libvips and the rest, and adds user and system time in ms', () => {
    expect(parseThreadStat(stat('node'), true)).toEqual({ kind: 'main', ms: 2000 });
    expect(parseThreadStat(stat('libvips worker'), false)).toEqual({ kind: 'libvips', ms: 2000 });
    expect(parseThreadStat(stat('node'), false)).toEqual({ kind: 'pool+v8', ms: 2000 });
  });

  it('divides the difference of two readings by the requests', () => {
    const before = { main: 100, libvips: 1000, 'pool+v8': 200 };
    const after = { main: 130, libvips: 3000, 'pool+v8': 260 };
    expect(perRequest(before, after, 100)).toEqual({ main: 0.3, libvips: 20, 'pool+v8': 0.6 });
  });

  it('reads this process: its main thread has run', () => {
    expect(threadCpu(process.pid).main).toBeGreaterThan(0);
  });
});
