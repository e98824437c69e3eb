import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, isBlurhashValid } from 'blurhash';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import type { PixelfrontError } from '../../core/errors.ts';
import { corpusManifest, corpusPath, hasCorpus } from '../../test/helpers/corpus.ts';
import type { CorpusEntry } from '../../test/helpers/corpus.ts';
import { decodeError } from '../sharp/errors.ts';
import { inspectImage } from './inspect.ts';
import type { ImageFacts, InspectLimits } from './inspect.ts';
import { DEFAULT_SVG_LIMITS } from './svg/sanitize.ts';
import { SvgWorkerPool } from './svg/svg-pool.ts';

const svg = new SvgWorkerPool({ limits: DEFAULT_SVG_LIMITS, workers: 1 });
const limits: InspectLimits = { maxInputPixels: 100_000_000, timeoutMs: 20_000, svg };
const workDir = mkdtempSync(join(tmpdir(), 'pixelfront-inspect-'));
afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await svg.close();
});

let fixtureCount = 0;
function fixture(bytes: Uint8Array, name: string): string {
  fixtureCount += 1;
  const path = join(workDir, `${fixtureCount}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<PixelfrontError> {
  try {
    await promise;
  } catch (error) {
    if (isPixelfrontError(error)) return error;
    throw new Error(`expected a PixelfrontError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the inspection to be rejected');
}

function noise(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } });
}

/** '#rrggbb' colours equal within a small tolerance per channel (resampling rounds). */
function expectColourNear(actual: string, expected: string, tolerance = 3): void {
  const channels = (hex: string) => [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  const [a, e] = [channels(actual), channels(expected)];
  a.forEach((value, index) => expect(Math.abs(value - (e[index] ?? -1)), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
}

function expectPlaceholder(facts: ImageFacts): void {
  expect(isBlurhashValid(facts.blurhash).result).toBe(true);
  expect(facts.dominantColor).toMatch(/^#[0-9a-f]{6}$/);
}

/** Mean absolute difference between two BlurHashes, decoded to 32×32 RGBA. */
function blurhashDistance(a: string, b: string): number {
  const left = decode(a, 32, 32);
  const right = decode(b, 32, 32);
  let sum = 0;
  for (let index = 0; index < left.length; index += 1) sum += Math.abs((left[index] ?? 0) - (right[index] ?? 0));
  return sum / left.length;
}

describe('inspectImage: generated fixtures', () => {
  it('refuses a text file with 415, whatever its name', async () => {
    const error = await rejection(inspectImage(fixture(new TextEncoder().encode('hello, not an image\n'), 'photo.jpg'), limits));
    expect([error.status, error.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('reads a PNG named .jpg as PNG, with size, alpha, placeholder and dominant colour', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 1 } } })
      .png()
      .toBuffer();
    const facts = await inspectImage(fixture(png, 'photo.jpg'), limits);
    expect(facts).toMatchObject({
      format: 'png',
      width: 64,
      height: 48,
      orientation: null,
      frames: 1,
      hasAlpha: true,
      dominantColor: '#ff0000',
    });
    expectPlaceholder(facts);
    const [red, green, blue] = decode(facts.blurhash, 4, 4);
    expect([red, green, blue]).toEqual([255, 0, 0]);
  });

  it('takes the dominant colour from the opaque pixels of a mostly transparent image', async () => {
    const dot = await sharp({ create: { width: 10, height: 10, channels: 4, background: '#1020f0' } })
      .png()
      .toBuffer();
    const png = await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: dot, left: 45, top: 45 }])
      .png()
      .toBuffer();
    expectColourNear((await inspectImage(fixture(png, 'dot.png'), limits)).dominantColor, '#1020f0');
  });

  it('reports size after EXIF orientation, and the tag as stored', async () => {
    const jpeg = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const facts = await inspectImage(fixture(jpeg, 'rotated.jpg'), limits);
    expect(facts).toMatchObject({ format: 'jpeg', width: 100, height: 200, orientation: 6, frames: 1, hasAlpha: false });
  });

  it('validates every frame: an animated WebP whose last frame is broken is 422', async () => {
    const frames = await Promise.all([0, 1, 2].map(() => noise(64, 64).png().toBuffer()));
    const webp = await sharp(frames, { join: { animated: true } })
      .webp({ lossless: true })
      .toBuffer();
    const good = await inspectImage(fixture(webp, 'anim.webp'), limits);
    expect(good).toMatchObject({ format: 'webp', width: 64, height: 64, frames: 3 });
    const chunks = [...webp.toString('latin1').matchAll(/ANMF/g)].map((match) => match.index);
    const lastFrameData = (chunks.at(-1) ?? 0) + 8 + 16 + 8 + 10;
    const broken = Buffer.from(webp);
    for (let index = lastFrameData; index < broken.length; index += 1) broken[index] = ((broken[index] ?? 0) * 7 + 13) & 0xff;
    // Preconditions: the header and the first frame still read; only the last frame is broken.
    expect((await sharp(broken).metadata()).pages).toBe(3);
    await expect(sharp(broken, { failOn: 'warning' }).raw().toBuffer()).resolves.toBeDefined();
    const error = await rejection(inspectImage(fixture(broken, 'broken-last-frame.webp'), limits));
    expect([error.status, error.code]).toEqual([422, 'corrupt_image']);
  });

  it('validates every TIFF page: a broken last page is 422', async () => {
    const pages = await Promise.all([0, 1, 2].map(() => noise(64, 64).png().toBuffer()));
    const tiff = await sharp(pages, { join: { animated: true } })
      .tiff({ compression: 'deflate' })
      .toBuffer();
    expect(await inspectImage(fixture(tiff, 'pages.tiff'), limits)).toMatchObject({ format: 'tiff', frames: 3, width: 64, height: 64 });
    const broken = Buffer.from(tiff);
    const from = Math.floor(broken.length * 0.7);
    for (let index = from; index < from + 3000; index += 1) broken[index] = ((broken[index] ?? 0) * 7 + 13) & 0xff;
    // Preconditions: the first page decodes, the last does not.
    await expect(sharp(broken, { failOn: 'warning' }).raw().toBuffer()).resolves.toBeDefined();
    await expect(sharp(broken, { failOn: 'warning', page: 2 }).raw().toBuffer()).rejects.toThrow();
    const error = await rejection(inspectImage(fixture(broken, 'broken-last-page.tiff'), limits));
    expect([error.status, error.code]).toEqual([422, 'corrupt_image']);
  });

  it('counts every frame against the pixel limit, from the header', async () => {
    const frames = await Promise.all(
      [0, 1, 2, 3].map((index) =>
        sharp({ create: { width: 50, height: 50, channels: 3, background: { r: index * 60, g: 0, b: 0 } } })
          .png()
          .toBuffer(),
      ),
    );
    const path = fixture(
      await sharp(frames, { join: { animated: true } })
        .gif()
        .toBuffer(),
      'anim.gif',
    );
    expect((await inspectImage(path, { ...limits, maxInputPixels: 4 * 2500 })).frames).toBe(4);
    const error = await rejection(inspectImage(path, { ...limits, maxInputPixels: 4 * 2500 - 1 }));
    expect([error.status, error.code]).toEqual([422, 'image_too_large']);
  });

  it('maps sharp’s own pixel-limit error to image_too_large', () => {
    expect(decodeError(new Error('Input image exceeds pixel limit'), undefined).code).toBe('image_too_large');
    expect(decodeError(new Error('/tmp/x.jpg: bad seek to 12\n/tmp/x.jpg: bad seek to 12'), '/tmp/x.jpg').message).toBe(
      'the image data does not decode: bad seek to 12',
    );
  });

  it('turns the overall deadline into a 422 instead of waiting', async () => {
    const big = await noise(3000, 3000).avif({ effort: 0 }).toBuffer();
    const path = fixture(big, 'big.avif');
    const started = performance.now();
    const error = await rejection(inspectImage(path, { ...limits, timeoutMs: 1 }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect([error.status, error.code]).toEqual([422, 'corrupt_image']);
  });

  it('inspects the sanitised SVG: alpha, no orientation, and a size limit', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" onload="alert(1)"><script>alert(2)</script><rect width="120" height="60" fill="#00ff00"/></svg>';
    const facts = await inspectImage(fixture(new TextEncoder().encode(svg), 'drawing.png'), limits);
    expect(facts).toMatchObject({
      format: 'svg',
      width: 120,
      height: 60,
      orientation: null,
      frames: 1,
      hasAlpha: true,
      dominantColor: '#00ff00',
    });
    // librsvg decodes inline images at full size: a 100×100 SVG holding a 12000×10000 PNG is over the limit.
    const inner = await sharp({ create: { width: 12_000, height: 10_000, channels: 3, background: '#000000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const embedding = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><image href="data:image/png;base64,${inner.toString('base64')}" width="100" height="100"/></svg>`;
    const embedded = await rejection(inspectImage(fixture(new TextEncoder().encode(embedding), 'embedding.svg'), limits));
    expect([embedded.status, embedded.code]).toEqual([422, 'image_too_large']);
    const small = embedding.replace(
      inner.toString('base64'),
      (
        await sharp({ create: { width: 20, height: 20, channels: 3, background: '#0000ff' } })
          .png()
          .toBuffer()
      ).toString('base64'),
    );
    expect((await inspectImage(fixture(new TextEncoder().encode(small), 'small-embedding.svg'), limits)).dominantColor).toBe('#0000ff');
    const huge = '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>';
    const error = await rejection(inspectImage(fixture(new TextEncoder().encode(huge), 'huge.svg'), limits));
    expect([error.status, error.code]).toEqual([422, 'image_too_large']);
  });
});

const manifest = corpusManifest();
const okEntries = manifest.filter((entry) => entry.expect === 'ok');
const rejectEntries = manifest.filter((entry) => entry.expect === 'reject');

/**
 * Whether this build decodes the file at all: the oracle for `requires` entries. HEIC is always
 * decoded (libheif in WebAssembly, origin/heic/), whatever sharp's libvips lacks.
 */
async function buildDecodes(entry: CorpusEntry): Promise<boolean> {
  if (entry.requires?.every((feature) => feature === 'heic')) return true;
  return sharp(corpusPath(entry))
    .raw()
    .toBuffer()
    .then(
      () => true,
      () => false,
    );
}

/** Frames as ImageFacts counts them: GIF/WebP frames and TIFF pages; HEIF files give their primary image. */
function expectedFrames(entry: CorpusEntry): number {
  return ['gif', 'webp', 'tiff'].includes(entry.format) ? (entry.pages ?? 1) : 1;
}

/** EXIF orientation as reported: the invalid 0 reads as 1; HEIF never reports one (irot is already applied). */
function expectedOrientation(entry: CorpusEntry): number | null {
  if (['avif', 'heic', 'svg'].includes(entry.format)) return null;
  return entry.orientation === 0 ? 1 : entry.orientation;
}

describe.skipIf(!hasCorpus)('inspectImage: corpus files expected to be ok', () => {
  // A 12–16 MP HEIC takes seconds in WebAssembly on a shared 2-core box.
  it.each(okEntries.map((entry) => [entry.file, entry] as const))('%s', { timeout: 90_000 }, async (_file, entry) => {
    const path = corpusPath(entry);
    if (entry.requires !== undefined && entry.requires.length > 0 && !(await buildDecodes(entry))) {
      const error = await rejection(inspectImage(path, limits));
      expect([error.status, error.code]).toEqual([415, 'unsupported_media_type']);
      return;
    }
    const facts = await inspectImage(path, limits);
    expect(facts.format).toBe(entry.format);
    expect([facts.width, facts.height]).toEqual(entry.display_size);
    expect(facts.frames).toBe(expectedFrames(entry));
    expect(facts.hasAlpha).toBe(entry.has_alpha);
    expect(facts.orientation).toBe(expectedOrientation(entry));
    expectPlaceholder(facts);
  });

  it('gives the nine EXIF orientation files the same upright placeholder', async () => {
    const files = okEntries.filter((entry) => /jpeg_exif_orientation_\d_landscape/.test(entry.file));
    expect(files).toHaveLength(9);
    const reference = files.find((entry) => entry.file.includes('orientation_1_'));
    expect(reference).toBeDefined();
    if (reference === undefined) return;
    const upright = (await inspectImage(corpusPath(reference), limits)).blurhash;
    for (const entry of files) {
      const facts = await inspectImage(corpusPath(entry), limits);
      expect(blurhashDistance(facts.blurhash, upright), entry.file).toBeLessThan(4);
    }
    // The check can fail: the same photo turned upside down is far away.
    const flipped = await sharp(corpusPath(reference)).rotate(180).jpeg().toBuffer();
    expect(blurhashDistance((await inspectImage(fixture(flipped, 'flipped.jpg'), limits)).blurhash, upright)).toBeGreaterThan(10);
  });
});

describe.skipIf(!hasCorpus)('inspectImage: corpus files expected to be rejected', () => {
  it.each(rejectEntries.map((entry) => [entry.file, entry] as const))('%s', { timeout: 30_000 }, async (_file, entry) => {
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const error = await rejection(inspectImage(corpusPath(entry), limits));
    expect([400, 413, 415, 422]).toContain(error.status);
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.message).not.toContain(corpusPath(entry));
    if (entry.category === 'bomb') {
      // Rejected from the header: fast, and no pixel buffer was allocated.
      expect([413, 415, 422]).toContain(error.status);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    }
    // A valid file still inspects after each reject.
    const valid = okEntries.find((candidate) => candidate.file === 'valid/png_rgb_8bit.png');
    if (valid !== undefined) expect((await inspectImage(corpusPath(valid), limits)).format).toBe('png');
  });

  it('rejects the svgz that makes older libvips spin, quickly', async () => {
    const entry = rejectEntries.find((candidate) => candidate.file === 'malformed/svgz_malformed_gzip_stream.svgz');
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    const started = performance.now();
    const error = await rejection(inspectImage(corpusPath(entry), { ...limits, timeoutMs: 3000 }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect([415, 422]).toContain(error.status);
  });

  it('rejects the GIF whose last frame is broken as corrupt', async () => {
    const entry = rejectEntries.find((candidate) => candidate.file === 'malformed/gif_invalid_multiframe.gif');
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    expect((await rejection(inspectImage(corpusPath(entry), limits))).code).toBe('corrupt_image');
  });

  it('rejects the 280 MP JPEG by the pixel limit even though it would decode', async () => {
    const entry = rejectEntries.find((candidate) => candidate.file === 'bomb/jpeg_20000x14000_280mp.jpg');
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    expect(readFileSync(corpusPath(entry)).length).toBeGreaterThan(0);
    expect((await rejection(inspectImage(corpusPath(entry), limits))).code).toBe('image_too_large');
  });
});
