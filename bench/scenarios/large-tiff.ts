import { open, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { runLoad } from '../load.ts';
import type { Scenarios } from '../report-types.ts';
import { idleFigures, idleMemory, sampleMemory } from '../rss.ts';
import { round } from '../stats.ts';
import { uploadInParts } from '../origin-api.ts';

/**
 * The 800 MB source of issue 20: 10000 × 10000 RGBA at 16 bits, uncompressed (inside the
 * default limits: 100 MP, sent in parts). Noise, so nothing compresses or shrinks it on load.
 */
export async function makeLargeTiff(path: string): Promise<void> {
  await sharp({
    create: { width: 10_000, height: 10_000, channels: 4, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .toColourspace('rgb16')
    .tiff({ compression: 'none' })
    .toFile(path);
}

/**
 * Uploads the large TIFF through the multipart API (one strict decode and a mezzanine at
 * completion), then renders three variants of it at once: two the 1600 mezzanine serves and
 * `w_1200`, which decodes the original (1600 < 2 × 1200). Peak RSS of each phase, and idle RSS
 * before and after. The outputs stay in the memory cache, as they should: `w_1200` rather than a
 * larger size keeps that cache's share of the idle figure small (a 3000 px JPEG of this noise is
 * 23 MB).
 */
export async function measureLargeTiff(origin: string, pid: number, path: string): Promise<NonNullable<Scenarios['largeTiff']>> {
  const { size } = await stat(path);
  const upload = sampleMemory(pid, 20);
  const started = performance.now();
  const file = await open(path, 'r');
  const imageId = await uploadInParts(origin, {
    filename: 'large.tif',
    size,
    readPart: async (offset, length) => (await file.read(Buffer.alloc(length), 0, length, offset)).buffer,
  }).finally(() => file.close());
  const uploadSeconds = (performance.now() - started) / 1000;
  const uploadPeak = await upload.stop();
  const before = await idleMemory(origin, pid);

  const paths = ['w_800', 'c_fill,w_400,h_400,f_webp', 'w_1200'];
  const renders = sampleMemory(pid, 10);
  const result = await runLoad({
    origin,
    path: (index) => `/img/${imageId}/${paths[index % paths.length] ?? 'w_800'}`,
    requests: 3,
    concurrency: 3,
    maxSeconds: 300,
  });
  const renderPeak = await renders.stop();
  return {
    bytes: size,
    uploadSeconds: round(uploadSeconds, 1),
    uploadPeakRssMiB: round(uploadPeak.peakRss / 2 ** 20, 1),
    requests: paths.length,
    ok: result.samples.filter((sample) => sample.ok).length,
    renderSeconds: round(result.seconds, 1),
    renderPeakRssMiB: round(renderPeak.peakRss / 2 ** 20, 1),
    ...idleFigures(before, await idleMemory(origin, pid)),
  };
}
