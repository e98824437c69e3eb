import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepVariants } from '../origin/storage/variant-sweeper.ts';
import { corpusDir, hasCorpus } from './helpers/corpus.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** The render ladder at ingest (issue 20): mezzanines beside the original, and what becomes of them. */

async function upload(origin: TestOrigin, body: Uint8Array): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${origin.url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function keysUnder(origin: TestOrigin, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of origin.services.storage.list(prefix)) keys.push(object.key);
  return keys.sort();
}

async function stored(origin: TestOrigin, key: string): Promise<Buffer> {
  const object = await origin.services.storage.get(key);
  if (!object) throw new Error(`${key} is not stored`);
  return buffer(object.body);
}

describe('mezzanines at ingest', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ LADDER_SIZES: '256,800' });
  });
  afterAll(() => origin.destroy());

  it('stores one oriented JPEG per rung the source is large enough for', async () => {
    // 1600 × 1000 stored, EXIF 6: 1000 × 1600 upright. 1600 ≥ 2 × 800 and ≥ 2 × 256.
    const jpeg = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: '#884422' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { status, body } = await upload(origin, jpeg);
    expect(status).toBe(201);
    const id = String(body['id']);
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([`ladder/${id}/256.jpeg`, `ladder/${id}/800.jpeg`]);
    const large = await sharp(await stored(origin, `ladder/${id}/800.jpeg`)).metadata();
    expect([large.format, large.width, large.height, large.orientation, large.chromaSubsampling]).toEqual([
      'jpeg',
      500,
      800,
      undefined,
      '4:4:4',
    ]);
    const small = await sharp(await stored(origin, `ladder/${id}/256.jpeg`)).metadata();
    expect([small.width, small.height]).toEqual([160, 256]);
  });

  it('keeps alpha in a WebP mezzanine, converted to sRGB', async () => {
    const png = await sharp({ create: { width: 520, height: 416, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const { body } = await upload(origin, png);
    const id = String(body['id']);
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([`ladder/${id}/256.webp`]);
    const { data, info } = await sharp(await stored(origin, `ladder/${id}/256.webp`))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([256, 205, 4]);
    expect(Math.abs((data[3] ?? 0) - 128)).toBeLessThanOrEqual(2);
  });

  it('makes none for a source under 2 × the smallest rung, nor for an animation', async () => {
    const small = await sharp({ create: { width: 511, height: 200, channels: 3, background: '#102030' } })
      .png()
      .toBuffer();
    const frames = await Promise.all(
      [0, 1].map((n) =>
        sharp({ create: { width: 600, height: 600, channels: 3, background: { r: n * 200, g: 0, b: 0 } } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    for (const bytes of [small, gif]) {
      const { status, body } = await upload(origin, bytes);
      expect(status).toBe(201);
      expect(await keysUnder(origin, `ladder/${String(body['id'])}/`)).toEqual([]);
    }
  });

  it('deletes the mezzanines with the image, and the variant sweep never touches them', async () => {
    const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#335577' } })
      .jpeg()
      .toBuffer();
    const id = String((await upload(origin, jpeg)).body['id']);
    expect(await fetch(`${origin.url}/img/${id}/w_100`).then((response) => response.status)).toBe(200);
    await origin.services.variants.settled();
    // Everything is older than "tomorrow": the sweep removes every variant and nothing else.
    await sweepVariants(origin.services.storage, new Date(Date.now() + 86_400_000));
    expect(await keysUnder(origin, `variants/${id}/`)).toEqual([]);
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([`ladder/${id}/256.jpeg`]);
    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([]);
  });
});

describe.skipIf(!hasCorpus)('a truncated JPEG at upload (issue 14 item 11)', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(() => origin.destroy());

  it('is refused with 422 corrupt_image, although a 32 px decode of it succeeds', async () => {
    const flower = await readFile(join(corpusDir, 'valid/jpeg_icc_exif_flower.jpg'));
    // Cut 1,400 bytes before the end of the scan, closed with EOI: a premature end of a data segment.
    const mutant = Buffer.concat([flower.subarray(0, flower.length - 1400), Buffer.from([0xff, 0xd9])]);
    await expect(sharp(mutant, { failOn: 'warning' }).resize({ width: 32 }).raw().toBuffer()).resolves.toBeDefined();
    await expect(sharp(mutant, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/premature end of data segment/);
    const { status, body } = await upload(origin, mutant);
    expect([status, body['code']]).toEqual([422, 'corrupt_image']);
    expect(await keysUnder(origin, 'originals/')).toEqual([]);
  });
});
