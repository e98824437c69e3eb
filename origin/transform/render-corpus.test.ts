import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import type { OutputFormat } from '../../core/transform-spec.ts';
import { render, type RenderResult } from './render.ts';
import { averageHash, hammingDistance } from '../../test/helpers/render.ts';

/**
 * Every `expect: "ok"` file of the shared corpus renders to w_200 as JPEG, WebP and AVIF, per the
 * corpus README ("How tests should use the manifest").
 */

interface Entry {
  file: string;
  format: string;
  pages: number | null;
  expect: 'ok' | 'reject';
  display_size?: [number, number];
  requires?: string[];
}

const corpus = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const manifestPath = `${corpus}manifest.json`;
const present = existsSync(manifestPath);
if (!present) console.warn(`corpus not found at ${corpus}: skipping the corpus render tests`);
const manifest: Entry[] = present ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Entry[]) : [];
const entries = manifest.filter((entry) => entry.expect === 'ok');
const rejects = manifest.filter((entry) => entry.expect === 'reject');
const limits = { maxInputPixels: 100_000_000, maxFrames: 500, timeoutMs: 60_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };

/** SVG is rasterised at the requested size (vectors have no native size to protect); everything else never upscales. */
function expectedSize(entry: Entry): [number, number] {
  const [dw, dh] = entry.display_size ?? [0, 0];
  const width = entry.format === 'svg' ? 200 : Math.min(200, dw);
  return [width, Math.round((width * dh) / dw)];
}

async function renderFile(entry: Entry, format: OutputFormat): Promise<RenderResult> {
  return render({ source: `${corpus}${entry.file}`, spec: { w: 200 }, format, limits });
}

/** Runs tasks with at most `limit` at once: AVIF encodes are CPU-bound and the box has 2 cores. */
async function limited<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      const task = tasks[index];
      if (task) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const decodable = entries.filter((entry) => !entry.requires?.length);
const needsFeature = entries.filter((entry) => entry.requires?.length);
// sharp cannot read JPEG XL: origin/jxl/jxl-render.test.ts decodes those outputs with libjxl.
const sharpFormat: Record<OutputFormat, string> = { jpeg: 'jpeg', webp: 'webp', avif: 'heif', jxl: 'jxl', png: 'png', gif: 'gif' };

describe.skipIf(!present)('render: corpus ok files to w_200', () => {
  describe.each(['jpeg', 'webp', 'avif'] as const)('%s', (format) => {
    it(`every decodable ok file renders with the display aspect (${decodable.length} files)`, async () => {
      const outcomes = await limited(
        decodable.map((entry) => async () => {
          try {
            const result = await renderFile(entry, format);
            const meta = await sharp(result.data).metadata();
            const [width, height] = expectedSize(entry);
            const problems: string[] = [];
            if (meta.format !== sharpFormat[format]) problems.push(`format ${meta.format}`);
            if (result.contentType !== `image/${format}`) problems.push(`content type ${result.contentType}`);
            if (result.width !== width || meta.width !== width) problems.push(`width ${result.width}/${meta.width}, expected ${width}`);
            if (Math.abs(result.height - height) > 1) problems.push(`height ${result.height}, expected ${height}±1`);
            return problems.length ? `${entry.file}: ${problems.join('; ')}` : undefined;
          } catch (error) {
            return `${entry.file}: ${error instanceof Error ? error.message : String(error)}`;
          }
        }),
        format === 'avif' ? 2 : 4,
      );
      expect(outcomes.filter(Boolean)).toEqual([]);
    });
  });

  it.each(needsFeature.map((entry) => [entry.file, entry] as const))(
    '%s renders (HEIC always: libheif in WebAssembly), or is a clean 4xx when the build lacks the codec',
    { timeout: 90_000 },
    async (_, entry) => {
      const outcome = await renderFile(entry, 'jpeg').then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (entry.requires?.every((feature) => feature === 'heic')) expect(outcome).toMatchObject({ ok: true });
      if (outcome.ok) {
        expect(outcome.result.width).toBe(expectedSize(entry)[0]);
      } else {
        expect(isPixelfrontError(outcome.error)).toBe(true);
        if (isPixelfrontError(outcome.error)) expect(outcome.error.status).toBeGreaterThanOrEqual(400);
        if (isPixelfrontError(outcome.error)) expect(outcome.error.status).toBeLessThan(500);
      }
    },
  );

  it('the nine EXIF orientations come out landscape and alike', async () => {
    const files = [
      'edge/jpeg_exif_orientation_0_landscape.jpg',
      ...Array.from({ length: 8 }, (_, index) => `valid/jpeg_exif_orientation_${index + 1}_landscape.jpg`),
    ];
    const hashes = new Map<string, string>();
    for (const file of files) {
      const result = await render({ source: `${corpus}${file}`, spec: { w: 200 }, format: 'jpeg', limits });
      expect([result.width, result.height], file).toEqual([200, 133]);
      hashes.set(file, await averageHash(result.data));
    }
    const reference = hashes.get('valid/jpeg_exif_orientation_1_landscape.jpg') ?? '';
    // A mirrored or turned photo moves about half of the 64 bits; the same picture a handful.
    for (const [file, hash] of hashes) expect(hammingDistance(hash, reference), file).toBeLessThanOrEqual(8);
    const mirrored = await sharp(`${corpus}valid/jpeg_exif_orientation_1_landscape.jpg`).flop().resize(200).jpeg().toBuffer();
    expect(hammingDistance(await averageHash(mirrored), reference)).toBeGreaterThan(8);
  });

  it.each([
    ['edge/png_exif_orientation_6.png', [100, 200]],
    ['edge/tiff_orientation_6_g4.tif', [200, 30]],
    ['edge/avif_irot_90.avif', [640, 427]],
  ] as const)('%s comes out %j', async (file, size) => {
    const result = await render({ source: `${corpus}${file}`, spec: size[0] === 640 ? {} : { w: 200 }, format: 'png', limits });
    expect([result.width, result.height]).toEqual(size);
  });

  it(`every reject file (${rejects.length}) is a 4xx PixelfrontError, quickly`, async () => {
    const failures: string[] = [];
    for (const entry of rejects) {
      const outcome: unknown = await render({
        source: `${corpus}${entry.file}`,
        spec: { w: 200 },
        format: 'webp',
        limits: { ...limits, timeoutMs: 5_000 },
      }).then(
        () => 'rendered',
        (error: unknown) => error,
      );
      if (!isPixelfrontError(outcome) || outcome.status < 400 || outcome.status >= 500) failures.push(`${entry.file}: ${String(outcome)}`);
    }
    expect(failures).toEqual([]);
  });

  const animated = entries.filter((entry) => (entry.pages ?? 1) > 1 && (entry.format === 'gif' || entry.format === 'webp'));
  it.each(animated.flatMap((entry) => (['webp', 'gif'] as const).map((format) => [entry.file, format, entry] as const)))(
    '%s stays animated as %s',
    async (_, format, entry) => {
      const result = await renderFile(entry, format);
      expect(result.frames).toBe(entry.pages);
      expect(result.width).toBe(expectedSize(entry)[0]);
      // Encoders merge consecutive identical frames into one longer frame: compare against the
      // source's runs of distinct frames, and check that the total duration survives (a WebP
      // whose frames are all alike becomes a still image without timing).
      const source = await frameRuns(`${corpus}${entry.file}`);
      const output = await frameRuns(result.data);
      expect(output.runs).toBe(source.runs);
      if (source.runs > 1) expect(output.duration).toBe(source.duration);
    },
  );
});

async function frameRuns(input: string | Buffer): Promise<{ runs: number; duration: number }> {
  const image = sharp(input, { animated: true });
  const [meta, { data, info }] = await Promise.all([image.metadata(), image.clone().raw().toBuffer({ resolveWithObject: true })]);
  const frames = info.pages ?? 1;
  const frameBytes = data.length / frames;
  let runs = 0;
  let previous: Buffer | undefined;
  for (let frame = 0; frame < frames; frame += 1) {
    const current = data.subarray(frame * frameBytes, (frame + 1) * frameBytes);
    if (!previous || !current.equals(previous)) runs += 1;
    previous = current;
  }
  return { runs, duration: (meta.delay ?? []).reduce((sum, delay) => sum + delay, 0) };
}
