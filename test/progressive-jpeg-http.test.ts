import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegFrameMarker } from './helpers/jpeg-frame.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** Issue 19, progressive JPEG: `fl_progressive`, and JPEG_PROGRESSIVE as the default for JPEG outputs. */
describe('progressive JPEG', () => {
  let baseline: TestOrigin;
  let progressive: TestOrigin;
  let jpeg: Buffer;
  const ids = new Map<TestOrigin, string>();

  beforeAll(async () => {
    [baseline, progressive] = await Promise.all([startTestOrigin(), startTestOrigin({ JPEG_PROGRESSIVE: 'true' })]);
    // A gradient, so the encoder has real scans to write.
    const width = 320;
    const height = 240;
    const pixels = Buffer.alloc(width * height * 3);
    for (let index = 0; index < width * height; index += 1) {
      pixels[index * 3] = index % width;
      pixels[index * 3 + 1] = Math.floor(index / width);
      pixels[index * 3 + 2] = 128;
    }
    jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg()
      .toBuffer();
    for (const origin of [baseline, progressive]) {
      const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg });
      expect(response.status).toBe(201);
      ids.set(origin, ((await response.json()) as { id: string }).id);
    }
  });
  afterAll(async () => {
    await Promise.all([baseline.destroy(), progressive.destroy()]);
  });

  const get = (origin: TestOrigin, ops: string, accept = '*/*') =>
    fetch(`${origin.url}/img/${ids.get(origin) ?? ''}/${ops}`, { headers: { accept } });
  const body = async (response: Response) => new Uint8Array(await response.arrayBuffer());

  it('writes a baseline JPEG by default and a progressive one (SOF2) for fl_progressive', async () => {
    const plain = await get(baseline, 'w_200');
    const flagged = await get(baseline, 'w_200,fl_progressive');
    expect([plain.status, flagged.status]).toEqual([200, 200]);
    expect(flagged.headers.get('content-type')).toBe('image/jpeg');
    const [plainBytes, flaggedBytes] = [await body(plain), await body(flagged)];
    expect(jpegFrameMarker(plainBytes)).toBe('SOF0');
    expect(jpegFrameMarker(flaggedBytes)).toBe('SOF2');
    // sharp's own reader agrees, and the picture is the same size.
    expect((await sharp(flaggedBytes).metadata()).isProgressive).toBe(true);
    expect((await sharp(plainBytes).metadata()).isProgressive).toBe(false);
    expect((await sharp(flaggedBytes).metadata()).width).toBe(200);
    // Its own variant (ETag) and canonical form.
    expect(flagged.headers.get('etag')).not.toBe(plain.headers.get('etag'));
    expect(flagged.headers.get('link')).toBe(`</img/${ids.get(baseline) ?? ''}/w_200,fl_progressive>; rel="canonical"`);
  });

  it('applies fl_progressive with f_auto when the answer is a JPEG, and shares the WebP variant otherwise', async () => {
    const jpegAnswer = await get(baseline, 'w_150,f_auto,fl_progressive', 'image/jpeg');
    expect(jpegAnswer.headers.get('content-type')).toBe('image/jpeg');
    expect(jpegFrameMarker(await body(jpegAnswer))).toBe('SOF2');
    const webp = await get(baseline, 'w_150,f_auto,fl_progressive', 'image/webp');
    expect(webp.headers.get('content-type')).toBe('image/webp');
    const plainWebp = await get(baseline, 'w_150,f_webp');
    expect(webp.headers.get('etag')).toBe(plainWebp.headers.get('etag'));
    await Promise.all([webp.body?.cancel(), plainWebp.body?.cancel()]);
  });

  it('refuses an unknown flag and fl_progressive with a non-JPEG f (400 invalid_transform)', async () => {
    for (const ops of ['w_200,fl_lossy', 'fl_', 'w_200,fl_progressive,f_png', 'fl_progressive,fl_progressive']) {
      const response = await get(baseline, ops);
      expect(response.status, ops).toBe(400);
      expect(((await response.json()) as { code: string }).code, ops).toBe('invalid_transform');
    }
  });

  it('with JPEG_PROGRESSIVE=true, makes every JPEG output progressive: the variant of fl_progressive, under the URL as written', async () => {
    const plain = await get(progressive, 'w_200');
    expect(jpegFrameMarker(await body(plain))).toBe('SOF2');
    // The setting stays out of the canonical form (and so of signatures)…
    expect(plain.headers.get('link')).toBe(`</img/${ids.get(progressive) ?? ''}/w_200>; rel="canonical"`);
    // …but enters the variant key: the same bytes as fl_progressive, a different one from a baseline origin's w_200.
    const flagged = await get(progressive, 'w_200,fl_progressive');
    await flagged.body?.cancel();
    expect(plain.headers.get('etag')).toBe(flagged.headers.get('etag'));
    const elsewhere = await get(baseline, 'w_200,fl_progressive');
    await elsewhere.body?.cancel();
    expect(plain.headers.get('etag')).toBe(elsewhere.headers.get('etag'));
    // Other formats are untouched.
    const png = await get(progressive, 'w_200,f_png');
    expect(png.headers.get('content-type')).toBe('image/png');
    await png.body?.cancel();
  });
});
