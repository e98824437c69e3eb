import { open, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { request } from 'undici';
import { runLoad } from '../load.ts';
import type { Scenarios } from '../report-types.ts';
import { readMemory, sampleMemory } from '../rss.ts';
import { round } from '../stats.ts';
import { sumMetric } from '../origin-api.ts';

/** How long the origin is left alone before idle RSS is read. */
const SETTLE_MS = 5000;

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

/** Idle figures of a scenario, in MiB: VmRSS, and what the memory caches hold of it. */
export interface IdleMemory {
  idleMiB: number;
  cachesMiB: number;
}

/**
 * Resident memory once the process has been left alone for SETTLE_MS, and the bytes its memory
 * caches hold then (`pixelfront_memory_cache_bytes`), so a growth can be told apart from what the
 * default caches rightly keep of the renders.
 */
export async function idleMemory(origin: string, pid: number): Promise<IdleMemory> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rss = (await readMemory(pid))?.rss ?? Number.NaN;
  const metrics = await (await request(`${origin}/metrics`)).body.text();
  return { idleMiB: round(rss / 2 ** 20, 1), cachesMiB: round(sumMetric(metrics, 'pixelfront_memory_cache_bytes') / 2 ** 20, 1) };
}

/**
 * Uploads the large TIFF through the multipart API (one strict decode and a mezzanine at
 * completion), then renders three variants of it at once: two the 2048 mezzanine serves and
 * `w_1200`, which decodes the original (2048 < 2 × 1200). Peak RSS of each phase, and idle RSS
 * before and after. The outputs stay in the memory cache, as they should: `w_1200` rather than a
 * larger size keeps that cache's share of the idle figure small (a 3000 px JPEG of this noise is
 * 23 MB).
 */
export async function measureLargeTiff(origin: string, pid: number, path: string): Promise<NonNullable<Scenarios['largeTiff']>> {
  const { size } = await stat(path);
  const upload = sampleMemory(pid, 20);
  const started = performance.now();
  const imageId = await uploadInParts(origin, path, size);
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

/** The idle fields of a scenario's figures, from the readings before and after its renders. */
export function idleFigures(before: IdleMemory, after: IdleMemory) {
  return { idleBeforeMiB: before.idleMiB, idleAfterMiB: after.idleMiB, cachesBeforeMiB: before.cachesMiB, cachesAfterMiB: after.cachesMiB };
}

async function uploadInParts(origin: string, path: string, size: number): Promise<string> {
  const started = await json(`${origin}/v1/uploads`, 'POST', JSON.stringify({ filename: 'large.tif', size }), 'application/json');
  const uploadId = String(started['uploadId']);
  const partSize = Number(started['partSize']);
  const file = await open(path, 'r');
  try {
    for (let part = 1, offset = 0; offset < size; part += 1, offset += partSize) {
      const length = Math.min(partSize, size - offset);
      const { buffer } = await file.read(Buffer.alloc(length), 0, length, offset);
      await json(`${origin}/v1/uploads/${uploadId}/parts/${part}`, 'PUT', buffer);
    }
  } finally {
    await file.close();
  }
  const image = await json(`${origin}/v1/uploads/${uploadId}/complete`, 'POST');
  return String(image['id']);
}

async function json(url: string, method: 'POST' | 'PUT', body?: string | Buffer, contentType?: string): Promise<Record<string, unknown>> {
  const response = await request(url, { method, body, headers: contentType ? { 'content-type': contentType } : {} });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}
