import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of a process by kind of thread, from /proc/<pid>/task/<tid>/stat (utime + stime, in
 * clock ticks of 10 ms): the main thread (the event loop), libvips' workers, and the rest (libuv's
 * pool, where sharp runs each pipeline and file-system calls wait, and V8's helper threads).
 */
export type ThreadKind = 'main' | 'libvips' | 'pool+v8';
export type ThreadCpu = Record<ThreadKind, number>;

const tickMs = 10;

/** A thread's kind and its CPU ms from one stat line; the name sits in parentheses and may hold spaces. */
export function parseThreadStat(stat: string, isMain: boolean): { kind: ThreadKind; ms: number } {
  const close = stat.lastIndexOf(')');
  const name = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // Fields after the name start at the state (field 3): utime is field 14, stime 15.
  const ms = (Number(fields[11]) + Number(fields[12])) * tickMs;
  const kind: ThreadKind = isMain ? 'main' : name.startsWith('libvips') ? 'libvips' : 'pool+v8';
  return { kind, ms };
}

export function threadCpu(pid: number): ThreadCpu {
  const cpu: ThreadCpu = { main: 0, libvips: 0, 'pool+v8': 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const { kind, ms } = parseThreadStat(stat, tid === String(pid));
    cpu[kind] += ms;
  }
  return cpu;
}

/** CPU ms per request between two readings. */
export function perRequest(before: ThreadCpu, after: ThreadCpu, requests: number): ThreadCpu {
  const each = (kind: ThreadKind) => Math.round(((after[kind] - before[kind]) / requests) * 100) / 100;
  return { main: each('main'), libvips: each('libvips'), 'pool+v8': each('pool+v8') };
}
