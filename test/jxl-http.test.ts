import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from './helpers/corpus.ts';
import { decodeJxl, isJxl, meanDifference } from './helpers/jxl.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/**
 * JPEG XL over HTTP (issue 19): f_jxl and f_auto with Chromium's Accept answer image/jxl that
 * decodes back at the requested size, close to the WebP answer; an output the encoder cannot hold
 * is a 400 problem for f_jxl and the default format for f_auto, never a 500.
 */

const chromium = 'image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

async function upload(origin: TestOrigin, bytes: Buffer): Promise<string> {
  const response = await fetch(`${origin.url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  const body = (await response.json()) as { id?: string };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return String(body.id);
}

describe.skipIf(!hasCorpus)('JPEG XL over HTTP', () => {
  let origin: TestOrigin;
  let photo = '';
  beforeAll(async () => {
    origin = await startTestOrigin();
    photo = await upload(origin, await readFile(`${corpusDir}valid/jpeg_exif_orientation_6_landscape.jpg`));
  });
  afterAll(() => origin.destroy());

  it('f_jxl and f_auto for Chromium answer image/jxl at the size asked, alike the WebP answer', async () => {
    const webp = Buffer.from(await (await fetch(`${origin.url}/img/${photo}/w_400,f_webp`)).arrayBuffer());
    for (const [ops, headers] of [
      ['w_400,f_jxl', {}],
      ['w_400,f_auto', { accept: chromium }],
    ] as const) {
      const response = await fetch(`${origin.url}/img/${photo}/${ops}`, { headers });
      expect(response.status, ops).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jxl');
      if (ops.includes('f_auto')) expect(response.headers.get('vary')).toBe('Accept');
      const body = Buffer.from(await response.arrayBuffer());
      expect(isJxl(body)).toBe(true);
      const decoded = await decodeJxl(body);
      // EXIF orientation 6 applied: the landscape photo stays landscape at 400 wide.
      expect([decoded.width, decoded.height]).toEqual([400, 267]);
      const same = await meanDifference(decoded.png, webp, 64, 43);
      expect(same).toBeLessThan(8);
      const turned = await sharp(webp).rotate(180).png().toBuffer();
      expect(await meanDifference(decoded.png, turned, 64, 43)).toBeGreaterThan(3 * same);
    }
  });

  it('f_jxl over the encoder’s 16 MP is a 400 problem; f_auto answers the default format there', { timeout: 120_000 }, async () => {
    const pad = await fetch(`${origin.url}/img/${photo}/c_pad,w_5000,h_5000,f_jxl`);
    expect(pad.status).toBe(400);
    expect(pad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await pad.json()) as { code: string; detail: string }).detail).toMatch(/JPEG XL/);

    const large = await sharp({ create: { width: 5000, height: 3400, channels: 3, background: '#4477aa' } })
      .jpeg()
      .toBuffer();
    const id = await upload(origin, large);
    const auto = await fetch(`${origin.url}/img/${id}/f_auto`, { headers: { accept: chromium } });
    expect(auto.status).toBe(200);
    expect(auto.headers.get('content-type')).toBe('image/jpeg');
    await auto.arrayBuffer();
    const smaller = await fetch(`${origin.url}/img/${id}/w_1000,f_auto`, { headers: { accept: chromium } });
    expect(smaller.headers.get('content-type')).toBe('image/jxl');
    await smaller.arrayBuffer();
  });

  it('malformed JPEG XL requests are 4xx, never 500', async () => {
    for (const [ops, accept] of [
      ['f_jxl,q_0', ''],
      ['f_jxl,q_101', ''],
      ['f_jxll', ''],
      ['f_jxl,f_webp', ''],
      ['w_400,f_auto', 'image/jxl;q=2,image/jxl;q=x'],
      ['w_400,f_auto', `image/jxl;${'q=0.5;'.repeat(500)}`],
    ] as const) {
      const response = await fetch(`${origin.url}/img/${photo}/${ops}`, { headers: accept === '' ? {} : { accept } });
      expect(response.status, `${ops} ${accept.slice(0, 40)}`).toBeLessThan(500);
      await response.arrayBuffer();
    }
  });
});
