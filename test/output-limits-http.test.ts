import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatchedOrigin, type WatchedOrigin } from './helpers/robustness.ts';

/** Issue 14, items 5 and 7, as the attack ran them: unauthenticated GETs that cost an outsized output. */
describe('output limits over HTTP', () => {
  let origin: WatchedOrigin;
  const upload = async (bytes: Buffer, type: string) => {
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': type }, body: bytes });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const problem = async (path: string) => {
    const response = await fetch(`${origin.url}${path}`);
    return { status: response.status, body: (await response.json()) as { code: string; detail: string } };
  };
  beforeAll(async () => {
    origin = await startWatchedOrigin();
  });
  afterAll(() => origin.destroy());

  it('c_pad,w_8192,h_8192 on a 57 × 57 PNG is 400 (a 67 MP canvas over MAX_OUTPUT_PIXELS), not a 1.7 GiB render', async () => {
    const id = await upload(
      await sharp({ create: { width: 57, height: 57, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
      'image/png',
    );
    const refused = await problem(`/img/${id}/c_pad,w_8192,h_8192,f_avif`);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_transform');
    expect(refused.body.detail).toContain('MAX_OUTPUT_PIXELS');
    // dpr counts: 4000 × 4000 doubled is 64 MP.
    expect((await problem(`/img/${id}/c_pad,w_4000,h_4000,dpr_2`)).status).toBe(400);
    expect((await fetch(`${origin.url}/img/${id}/c_pad,w_200,h_100`)).status).toBe(200);
  });

  it('c_pad,ar_10000:0.01 on 320 × 240 is 400, not an 8192 × 1 JPEG', async () => {
    const id = await upload(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#aa3300' } })
        .jpeg()
        .toBuffer(),
      'image/jpeg',
    );
    for (const ops of ['c_pad,ar_10000:0.01', 'c_fill,ar_10000:0.01', 'c_pad,ar_0.01:10000']) {
      const refused = await problem(`/img/${id}/${ops}`);
      expect(refused.status, ops).toBe(400);
      expect(refused.body.code, ops).toBe('invalid_transform');
    }
  });

  it('w_300 on the 1 × 65535 GIF gives an output within MAX_OUTPUT_DIMENSION', async () => {
    const id = await upload(
      await sharp({ create: { width: 1, height: 65535, channels: 3, background: '#102030' } })
        .gif()
        .toBuffer(),
      'image/gif',
    );
    const response = await fetch(`${origin.url}/img/${id}/w_300`);
    expect(response.status).toBe(200);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([1, 8192]);
    expect(origin.errors).toEqual([]);
  });
});
