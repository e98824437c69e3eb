import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUFFERED_SOURCE_MAX_BYTES } from '../origin/transform/source-files.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.ts';

/**
 * An original over BUFFERED_SOURCE_MAX_BYTES is read by libvips from a file, never from one
 * buffer: on the embedded storage its own file, on S3 (s3rver here, the real SDK) a temp file
 * downloaded once, kept for the next render and removed when the image is deleted.
 */

/** Noise does not compress: a 2600 × 2600 RGB PNG of it is ~20 MB. */
async function largePng(): Promise<Buffer> {
  const png = await sharp({
    create: { width: 2600, height: 2600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
  expect(png.length).toBeGreaterThan(BUFFERED_SOURCE_MAX_BYTES);
  return png;
}

describe.each(['file', 's3'] as const)('a large original on %s storage', (backend) => {
  let origin: TestOrigin;
  let s3: S3rverHandle | undefined;
  let png: Buffer;
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
  const downloads = async () => (await readdir(join(origin.dataDir, 'tmp')).catch(() => [])).filter((name) => name.startsWith('source-'));

  beforeAll(async () => {
    png = await largePng();
    let env: Record<string, string> = {};
    if (backend === 's3') {
      s3 = await startS3rver();
      await s3.createBucket('large-originals');
      // The in-process origin reads S3 credentials through the SDK's standard chain.
      process.env['AWS_ACCESS_KEY_ID'] = s3.credentials.accessKeyId;
      process.env['AWS_SECRET_ACCESS_KEY'] = s3.credentials.secretAccessKey;
      env = { STORAGE_URL: 's3://large-originals/p', S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' };
    }
    origin = await startTestOrigin(env);
  }, 60_000);
  afterAll(async () => {
    await origin.destroy();
    await s3?.stop();
    process.env['AWS_ACCESS_KEY_ID'] = saved.id;
    process.env['AWS_SECRET_ACCESS_KEY'] = saved.secret;
  });

  it('renders it from a file, and a deleted image leaves no download behind', async () => {
    const uploaded = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };

    // c_crop cuts at the source's scale, so it decodes the original, not the mezzanine.
    const regions = [
      { left: 1150, top: 1200, width: 300, height: 200 },
      { left: 2500, top: 2500, width: 100, height: 100 },
    ];
    for (const region of regions) {
      const ops = `c_crop,w_${region.width},h_${region.height},x_${region.left},y_${region.top}`;
      const response = await fetch(`${origin.url}/img/${id}/${ops},f_png`);
      expect(response.status).toBe(200);
      expect(response.headers.get('server-timing')).toContain('decode;desc="original"');
      const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const expected = await sharp(png).extract(region).raw().toBuffer();
      expect([info.width, info.height]).toEqual([region.width, region.height]);
      expect(data.equals(expected)).toBe(true); // lossless crop: the same pixels
    }
    // A cold f_auto estimates its encodes first (fast-first) and answers at once in WebP while the
    // JPEG XL renders in the background: every use of the original releases it.
    const auto = await fetch(`${origin.url}/img/${id}/w_2000,f_auto`, { headers: { accept: 'image/jxl,image/webp,*/*' } });
    expect(auto.status).toBe(200);
    expect(auto.headers.get('content-type')).toBe('image/webp');
    await auto.arrayBuffer();
    await vi.waitFor(
      async () => {
        const upgraded = await fetch(`${origin.url}/img/${id}/w_2000,f_auto`, { headers: { accept: 'image/jxl,image/webp,*/*' } });
        await upgraded.arrayBuffer();
        expect(upgraded.headers.get('content-type')).toBe('image/jxl');
      },
      { timeout: 60_000, interval: 500 },
    );
    // S3: one download, kept for the next render; the embedded storage hands out its own file.
    expect(await downloads()).toHaveLength(backend === 's3' ? 1 : 0);

    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    await vi.waitFor(async () => expect(await downloads()).toEqual([]));
  }, 120_000);
});
