import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail } from '../core/errors.ts';
import { decodeHeic } from '../origin/heic/decode-heic.ts';
import { heicAsPng } from '../origin/heic/heic-as-png.ts';
import { rungsFor } from '../origin/ladder/rungs.ts';
import { corpusManifest, corpusPath, hasCorpus, type CorpusEntry } from './helpers/corpus.ts';
import { decodeJxl } from './helpers/jxl.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/**
 * HEIC/HEIF uploads end to end (issue 19): every corpus HEIC of valid/ and edge/ is accepted with
 * its display size, served back as image/heic, and renders to w_400 JPEG, WebP and AVIF with the
 * right size and orientation (JPEG XL decoded back with libjxl); the malformed ones are 415/422 and the origin stays up. The corpus
 * has no second decoding of these photos (no JPEG of the same shot, and no other HEVC decoder
 * here), so the pixels are compared with libheif's own decode, resized by sharp: that checks
 * orientation and colour handling through ingest and render, not libheif itself.
 */

const manifest = corpusManifest();
const heic = manifest.filter((entry) => entry.format === 'heic' || entry.file.endsWith('.heic') || entry.file.endsWith('.heif'));
const accepted = heic.filter((entry) => entry.expect === 'ok');
const rejected = heic.filter((entry) => entry.expect === 'reject');
if (hasCorpus && accepted.length === 0) console.warn('NOTICE: the corpus lists no HEIC files; HEIC round trips are skipped');

const formats = [
  ['jpeg', 'jpeg'],
  ['webp', 'webp'],
  ['avif', 'heif'],
  // sharp reads no JPEG XL: those answers are decoded back with libjxl (test/helpers/jxl.ts).
  ['jxl', 'jxl'],
] as const;

async function upload(origin: TestOrigin, bytes: Buffer) {
  const response = await fetch(`${origin.url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Mean absolute difference per channel sample of two images brought to the same small size. */
async function difference(a: Buffer, b: Buffer, width: number, height: number): Promise<number> {
  const pixels = (input: Buffer) =>
    sharp(input).resize({ width, height, fit: 'fill' }).flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer();
  const [left, right] = await Promise.all([pixels(a), pixels(b)]);
  let total = 0;
  for (let index = 0; index < left.length; index += 1) total += Math.abs((left[index] ?? 0) - (right[index] ?? 0));
  return total / left.length;
}

function renderedSize(entry: CorpusEntry): [number, number] {
  const [width, height] = entry.display_size ?? [0, 0];
  const target = Math.min(400, width);
  return [target, Math.round((target * height) / width)];
}

describe.skipIf(!hasCorpus)('HEIC uploads over HTTP', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(() => origin.destroy());

  it.each(accepted.map((entry) => [entry.file, entry] as const))(
    '%s: 201, served as image/heic, w_400 JPEG/WebP/AVIF/JPEG XL upright',
    { timeout: 180_000 },
    async (_file, entry) => {
      const bytes = await readFile(corpusPath(entry));
      const { status, body } = await upload(origin, bytes);
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ format: 'heic', hasAlpha: entry.has_alpha });
      expect([body['width'], body['height']]).toEqual(entry.display_size);

      const original = await fetch(`${origin.url}/img/${String(body['id'])}`);
      expect(original.status).toBe(200);
      expect(original.headers.get('content-type')).toBe('image/heic');
      expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);

      // libheif's decode (irot/imir applied), as the reference the renders must match.
      const reference = await heicAsPng(bytes, Date.now() + 120_000, () => fail('unavailable', 'reference decode timed out'));
      const [width, height] = renderedSize(entry);
      // A source large enough for a rung of the default LADDER_SIZES got it from the ingest decode,
      // and a w_400 render decodes the smallest (a JPEG/WebP), not the HEVC original.
      const [displayWidth = 0, displayHeight = 0] = entry.display_size ?? [];
      const rungs = rungsFor(
        { format: 'heic', width: displayWidth, height: displayHeight, frames: 1, hasAlpha: false },
        origin.services.config.ladderSizes,
      );
      const expectedDecode = rungs[0] ? `ladder-${rungs[0].size}` : 'original';
      for (const [format, sharpName] of formats) {
        const response = await fetch(`${origin.url}/img/${String(body['id'])}/w_400,f_${format}`);
        expect(response.status, `${format}: ${await response.clone().text()}`).toBe(200);
        expect(/(?:^|, )decode;desc="([^"]+)"/.exec(response.headers.get('server-timing') ?? '')?.[1]).toBe(expectedDecode);
        expect(response.headers.get('content-type')).toBe(`image/${format}`);
        const answer = Buffer.from(await response.arrayBuffer());
        const output = format === 'jxl' ? (await decodeJxl(answer)).png : answer;
        const meta = { ...(await sharp(output).metadata()), ...(format === 'jxl' ? { format: 'jxl' } : {}) };
        expect(meta.format).toBe(sharpName);
        expect(meta.width).toBe(width);
        expect(Math.abs((meta.height ?? 0) - height)).toBeLessThanOrEqual(1);
        if (entry.has_alpha && format !== 'jpeg') expect(meta.hasAlpha).toBe(true);
        // libjxl always decodes to RGBA: the alpha plane itself says whether transparency came through.
        if (format === 'jxl') {
          // stats() reads the input, so the alpha an opaque reference lacks is added in a PNG first.
          const alpha = async (image: Buffer) =>
            (await sharp(await sharp(image).ensureAlpha().png().toBuffer()).stats()).channels[3]?.min ?? -1;
          expect(Math.abs((await alpha(output)) - (await alpha(reference))), 'JPEG XL alpha').toBeLessThanOrEqual(8);
        }
        const sample = { width: Math.min(64, width), height: Math.max(1, Math.round((Math.min(64, width) * height) / width)) };
        const same = await difference(output, reference, sample.width, sample.height);
        // Lossy at q80 on a detailed photo: measured 2–7 against ~100 for the turned image.
        expect(same, `${format} against libheif's decode`).toBeLessThan(12);
        // The check can fail: the same pixels turned upside down are far away.
        const turned = await sharp(reference).rotate(180).png().toBuffer();
        if (sample.width >= 16) expect(await difference(output, turned, sample.width, sample.height)).toBeGreaterThan(3 * same);
      }
    },
  );

  it.each(rejected.map((entry) => [entry.file, entry] as const))('%s: 415/422, and the origin stays up', async (_file, entry) => {
    const { status, body } = await upload(origin, await readFile(corpusPath(entry)));
    expect([415, 422], JSON.stringify(body)).toContain(status);
    // A size of its own each time: the same bytes again would be the existing image (200).
    const width = 10 + Math.floor(Math.random() * 1000);
    const healthy = await upload(
      origin,
      await sharp({ create: { width, height: 10, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
    );
    expect(healthy.status).toBe(201);
  });
});

describe.skipIf(!hasCorpus)('decodeHeic', () => {
  const photo = accepted.find((entry) => entry.file.includes('iphone'));

  it.skipIf(photo === undefined)('stops the worker at the deadline, and the next decode still works', { timeout: 120_000 }, async () => {
    if (photo === undefined) return;
    const started = performance.now();
    const timedOut = decodeHeic(corpusPath(photo), Date.now() + 50, () => fail('unavailable', 'decode deadline'));
    await expect(timedOut).rejects.toMatchObject({ code: 'unavailable' });
    expect(performance.now() - started).toBeLessThan(2000);
    const small = accepted.find((entry) => entry.file.includes('alpha'));
    if (small === undefined) return;
    const pixels = await decodeHeic(corpusPath(small), Date.now() + 60_000, () => fail('unavailable', 'decode deadline'));
    expect([pixels.width, pixels.height, pixels.hasAlpha]).toEqual([64, 64, true]);
  });

  it('answers 422 for bytes that are no HEIF at all, without throwing in the worker', async () => {
    const error = await decodeHeic(Buffer.from('not a heif file at all, just text'), Date.now() + 30_000, () =>
      fail('unavailable', 'decode deadline'),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'corrupt_image', status: 422 });
  });
});
