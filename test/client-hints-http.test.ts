import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** Issue 19, client hints at the origin: w_auto and dpr_auto answered from Sec-CH-Width / Sec-CH-DPR and their legacy names. */
describe('client hints at the origin', () => {
  let origin: TestOrigin;
  let photo: string;
  let svg: string;

  beforeAll(async () => {
    origin = await startTestOrigin();
    const jpeg = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#468' } })
      .jpeg()
      .toBuffer();
    const upload = async (body: Buffer, type: string) => {
      const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    photo = await upload(jpeg, 'image/jpeg');
    svg = await upload(
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="#c33"/></svg>'),
      'image/svg+xml',
    );
  });
  afterAll(() => origin.destroy());

  const get = (ops: string, headers: Record<string, string> = {}, id = photo) => fetch(`${origin.url}/img/${id}/${ops}`, { headers });
  async function size(response: Response): Promise<{ width: number; height: number }> {
    expect(response.status).toBe(200);
    const { width = 0, height = 0 } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    return { width, height };
  }

  it('takes w_auto from Sec-CH-Width, rounded up to AUTO_WIDTH_STEP (100), and says so in Vary', async () => {
    const response = await get('w_auto', { 'sec-ch-width': '666' });
    expect(response.headers.get('vary')).toBe('Sec-CH-Width, Width');
    // The URL's canonical form keeps w_auto: the hint is not part of it.
    expect(response.headers.get('link')).toBe(`</img/${photo}/w_auto>; rel="canonical"`);
    expect(await size(response)).toEqual({ width: 700, height: 525 });
  });

  it('reads the legacy Width when Sec-CH-Width is absent or does not parse, and applies the fallback otherwise', async () => {
    expect((await size(await get('w_auto', { width: '450' }))).width).toBe(500);
    expect((await size(await get('w_auto', { 'sec-ch-width': 'wide', width: '301' }))).width).toBe(400);
    expect((await size(await get('w_auto'))).width).toBe(800);
    expect((await size(await get('w_auto:640'))).width).toBe(640);
    for (const bad of ['abc', '-5', '0', '1e3', '12.5', '600, 700', '9999999999']) {
      const response = await get('w_auto', { 'sec-ch-width': bad });
      expect((await size(response)).width, bad).toBe(800);
    }
  });

  it('caps the hinted width by the source, and shares the variant of the width it resolved to', async () => {
    const huge = await get('w_auto', { 'sec-ch-width': '5000' });
    const capped = await get('w_auto', { 'sec-ch-width': '1250' });
    const explicit = await get('w_1200');
    expect(huge.headers.get('etag')).toBe(capped.headers.get('etag'));
    expect(huge.headers.get('etag')).toBe(explicit.headers.get('etag'));
    expect(await size(huge)).toEqual({ width: 1200, height: 900 });
    await Promise.all([capped.body?.cancel(), explicit.body?.cancel()]);
    const hinted = await get('w_auto', { 'sec-ch-width': '690' });
    const seven = await get('w_700');
    expect(hinted.headers.get('etag')).toBe(seven.headers.get('etag'));
    await Promise.all([hinted.body?.cancel(), seven.body?.cancel()]);
  });

  it('does not cap an SVG, which renders at any width', async () => {
    expect(await size(await get('w_auto,f_png', { 'sec-ch-width': '333' }, svg))).toEqual({ width: 400, height: 200 });
  });

  it('derives the height of w_auto with ar from the hinted width', async () => {
    expect(await size(await get('c_fill,w_auto,ar_16:9', { 'sec-ch-width': '666' }))).toEqual({ width: 700, height: 394 });
  });

  it('takes dpr_auto from Sec-CH-DPR (or DPR), for explicit w and h only, rounded up to tenths', async () => {
    const doubled = await get('w_300,dpr_auto', { 'sec-ch-dpr': '2' });
    expect(doubled.headers.get('vary')).toBe('Sec-CH-DPR, DPR');
    expect(doubled.headers.get('link')).toBe(`</img/${photo}/w_300,dpr_auto>; rel="canonical"`);
    expect((await size(doubled)).width).toBe(600);
    expect((await size(await get('w_300,dpr_auto', { dpr: '1.5' }))).width).toBe(450);
    expect((await size(await get('w_300,dpr_auto', { 'sec-ch-dpr': '2.625' }))).width).toBe(810);
    expect((await size(await get('w_300,dpr_auto'))).width).toBe(300);
    expect((await size(await get('w_300,dpr_auto', { 'sec-ch-dpr': 'retina' }))).width).toBe(300);
    expect(await size(await get('c_fill,w_100,h_50,dpr_auto', { 'sec-ch-dpr': '3' }))).toEqual({ width: 300, height: 150 });
  });

  it('adds the hints to Accept in Vary for f_auto', async () => {
    const response = await get('w_auto,f_auto', { 'sec-ch-width': '200', accept: 'image/webp' });
    expect(response.headers.get('vary')).toBe('Accept, Sec-CH-Width, Width');
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect((await size(response)).width).toBe(200);
  });

  it('answers 304 only for the ETag of the width the hint gives', async () => {
    const first = await get('w_auto', { 'sec-ch-width': '250' });
    await first.body?.cancel();
    const etag = first.headers.get('etag') ?? '';
    const again = await get('w_auto', { 'sec-ch-width': '280', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('vary')).toBe('Sec-CH-Width, Width');
    const other = await get('w_auto', { 'sec-ch-width': '350', 'if-none-match': etag });
    expect(other.status).toBe(200);
    await other.body?.cancel();
  });

  it('refuses w_auto with dpr or c_crop (400 invalid_transform)', async () => {
    for (const ops of ['w_auto,dpr_2', 'w_auto,dpr_auto', 'c_crop,w_auto,h_10', 'w_auto:0', 'w_auto:', 'w_automatic', 'dpr_auto:2']) {
      const response = await get(ops, { 'sec-ch-width': '500', 'sec-ch-dpr': '2' });
      expect(response.status, ops).toBe(400);
      expect(((await response.json()) as { code: string }).code, ops).toBe('invalid_transform');
    }
  });
});
