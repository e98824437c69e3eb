import { runLoad } from '../load.ts';
import type { Scenarios } from '../report-types.ts';
import { readMemory } from '../rss.ts';
import { round } from '../stats.ts';

/**
 * The request mix of the leak check, by index: one in ten renders a new variant, the rest are
 * memory hits, metadata reads, invalid transforms (400) and unknown images (404).
 */
export function mixedRequest(index: number, ids: readonly string[]): { path: string; status: number } {
  const id = ids[index % ids.length] ?? '';
  switch (index % 10) {
    case 0:
      return { path: `/img/${id}/w_${40 + Math.floor(index / 10)},f_webp`, status: 200 };
    case 3:
      return { path: `/v1/images/${id}`, status: 200 };
    case 6:
      return { path: `/img/${id}/w_abc`, status: 400 };
    case 8:
      return { path: '/img/NoSuchImage0000/w_100', status: 404 };
    default:
      return { path: `/img/${id}/w_${100 + (index % 5) * 10}`, status: 200 };
  }
}

/** RSS once idle after the first `first` mixed requests and again after all `total`. */
export async function measureLeak(
  origin: string,
  pid: number,
  ids: readonly string[],
  first: number,
  total: number,
): Promise<NonNullable<Scenarios['leak']>> {
  const settle = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const memory = await readMemory(pid);
    if (!memory) throw new Error('the origin is gone');
    return memory;
  };
  const batch = (from: number, count: number) =>
    runLoad({
      origin,
      path: (index) => mixedRequest(from + index, ids).path,
      okStatus: (status, index) => status === mixedRequest(from + index, ids).status,
      requests: count,
      concurrency: 8,
      maxSeconds: 600,
    });
  const head = await batch(0, first);
  const afterFirst = await settle();
  const tail = await batch(first, total - first);
  const afterAll = await settle();
  const errors = [...head.samples, ...tail.samples].filter((sample) => !sample.ok).length;
  const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
  return {
    first,
    total,
    errors,
    rssFirstMiB: mib(afterFirst.rss),
    rssAllMiB: mib(afterAll.rss),
    anonFirstMiB: mib(afterFirst.anon),
    anonAllMiB: mib(afterAll.anon),
  };
}
