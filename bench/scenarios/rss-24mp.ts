import sharp from 'sharp';
import { runLoad } from '../load.ts';
import type { Scenarios } from '../report-types.ts';
import { idleFigures, idleMemory, sampleMemory } from '../rss.ts';
import { round } from '../stats.ts';

/** A 24 MP JPEG (6000×4000) made from the 12 MP corpus photo; there is none in the corpus. */
export async function make24mp(jpeg12mp: Buffer): Promise<Buffer> {
  return sharp(jpeg12mp).resize({ width: 6000, height: 4000, fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
}

/**
 * 8 concurrent renders of a 24 MP source at sizes where JPEG shrink-on-load cannot help
 * (4000 px wide, half JPEG, half WebP): the worst case for decoded pixels in memory.
 */
export async function measureRss24mp(
  origin: string,
  pid: number,
  imageId: string,
  salt: number,
): Promise<NonNullable<Scenarios['rss24mp']>> {
  const before = await idleMemory(origin, pid);
  const memory = sampleMemory(pid, 10);
  const result = await runLoad({
    origin,
    path: (index) => `/img/${imageId}/w_${4000 - salt - index}${index % 2 ? ',f_webp' : ''}`,
    requests: 8,
    concurrency: 8,
    maxSeconds: 300,
  });
  const peaks = await memory.stop();
  return {
    requests: 8,
    ok: result.samples.filter((sample) => sample.ok).length,
    seconds: round(result.seconds, 2),
    peakRssMiB: round(peaks.peakRss / 2 ** 20, 1),
    peakAnonMiB: round(peaks.peakAnon / 2 ** 20, 1),
    ...idleFigures(before, await idleMemory(origin, pid)),
  };
}
