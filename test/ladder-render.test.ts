import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPresets } from '../core/presets.ts';
import { canonicalTransform } from '../origin/transform/plan.ts';
import { render } from '../origin/transform/render.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/**
 * Renders from the render ladder (issue 20): which source a render decodes, what it looks like
 * next to a render from the original, and the lazy backfill of images without mezzanines.
 */

const width = 1800;
const height = 1200;

/**
 * 1800 × 1200 stored with EXIF orientation 6 (1200 × 1800 upright), red rising left to right and
 * green top to bottom in the stored pixels: any misplaced crop or orientation applied twice shows.
 */
async function orientedGradient(): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 3;
      pixels[at] = Math.round((x / width) * 255);
      pixels[at + 1] = Math.round((y / height) * 255);
      pixels[at + 2] = 96 + Math.round(32 * Math.sin(x / 90) * Math.cos(y / 70));
    }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

async function upload(origin: TestOrigin, body: Uint8Array): Promise<string> {
  const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body });
  expect(response.status).toBe(201);
  return String(((await response.json()) as Record<string, unknown>)['id']);
}

async function keysUnder(origin: TestOrigin, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of origin.services.storage.list(prefix)) keys.push(object.key);
  return keys.sort();
}

/** The `decode` entry of Server-Timing: what the render decoded. */
function decodedFrom(response: Response): string | undefined {
  return /(?:^|, )decode;desc="([^"]+)"/.exec(response.headers.get('server-timing') ?? '')?.[1];
}

/** The same transform rendered by the pipeline straight from the original. */
async function direct(original: Buffer, ops: string): Promise<Buffer> {
  const { spec } = canonicalTransform({ presets: builtInPresets, maxOutputDimension: 4000 }, ops);
  const limits = { maxInputPixels: 1e8, maxFrames: 1, timeoutMs: 30_000, maxOutputDimension: 4000, maxOutputPixels: 1e8 };
  return (await render({ source: original, spec, format: 'png', limits })).data;
}

/** Same size, and the mean absolute difference per channel value. */
async function compare(a: Buffer, b: Buffer): Promise<{ sizes: [string, string]; meanDifference: number }> {
  const [left, right] = await Promise.all([a, b].map((image) => sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  if (!left || !right) throw new Error('unreachable');
  const sizes: [string, string] = [`${left.info.width}x${left.info.height}`, `${right.info.width}x${right.info.height}`];
  let sum = 0;
  const length = Math.min(left.data.length, right.data.length);
  for (let i = 0; i < length; i += 1) sum += Math.abs((left.data[i] ?? 0) - (right.data[i] ?? 0));
  return { sizes, meanDifference: sum / length };
}

describe('renders from the ladder', () => {
  let origin: TestOrigin;
  let original: Buffer;
  let id: string;
  beforeAll(async () => {
    origin = await startTestOrigin({ LADDER_SIZES: '900' });
    original = await orientedGradient();
    id = await upload(origin, original);
    // Upright 1200 × 1800 (2 × 900): the 900 rung is 600 × 900.
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([`ladder/${id}/900.jpeg`]);
  });
  afterAll(() => origin.destroy());

  const cases: Array<[ops: string, decoded: string]> = [
    ['w_300', 'ladder-900'], // 600 ≥ 2 × 300
    ['w_299', 'ladder-900'],
    ['w_301', 'original'],
    ['w_149,dpr_2', 'ladder-900'], // 298 px wide
    ['w_200,dpr_2', 'original'],
    ['h_450', 'ladder-900'],
    ['c_fill,w_200,h_200,fp_0.8:0.2', 'ladder-900'], // region 1200 × 1200 → 600 × 600
    ['c_fill,w_300,h_300,fp_0.1:0.9', 'ladder-900'],
    ['c_fill,w_400,h_400', 'original'],
    ['c_fill,w_300,h_120,g_south', 'ladder-900'],
    ['c_pad,w_300,h_300,b_ff00ff', 'ladder-900'],
    ['c_crop,w_200,h_300,x_100,y_900', 'original'],
    ['w_200,a_90,e_grayscale', 'ladder-900'],
  ];

  it.each(cases)('%s decodes %s and looks like the render from the original', async (ops, decoded) => {
    const response = await fetch(`${origin.url}/img/${id}/${ops},f_png`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-variant-source')).toBe('render');
    expect(decodedFrom(response)).toBe(decoded);
    const served = Buffer.from(await response.arrayBuffer());
    const { sizes, meanDifference } = await compare(served, await direct(original, ops));
    expect(sizes[0]).toBe(sizes[1]);
    // A misplaced crop or a second rotation moves the gradients by tens of levels.
    expect(meanDifference).toBeLessThan(decoded === 'original' ? 0.01 : 2);
  });

  it('names no decode for a stored or remembered variant', async () => {
    const response = await fetch(`${origin.url}/img/${id}/w_300,f_png`);
    expect(response.headers.get('x-variant-source')).toBe('memory');
    expect(decodedFrom(response)).toBeUndefined();
  });
});

describe('lazy backfill of the ladder', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ LADDER_SIZES: '450,900' });
  });
  afterAll(() => origin.destroy());

  it('makes the missing mezzanines on the first cold render, uses them from then on, and deletes them with the image', async () => {
    const original = await orientedGradient();
    const id = await upload(origin, original);
    // As if uploaded before the ladder: no mezzanines.
    await origin.services.storage.deletePrefix(`ladder/${id}/`);

    const first = await Promise.all([1, 2, 3].map(() => fetch(`${origin.url}/img/${id}/w_200,f_png`)));
    for (const response of first) expect(response.status).toBe(200);
    expect(decodedFrom(first[0] as Response)).toBe('original');
    await origin.services.variants.settled();
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([`ladder/${id}/450.jpeg`, `ladder/${id}/900.jpeg`]);
    const mezzanine = await sharp(await storedBytes(`ladder/${id}/900.jpeg`)).metadata();
    expect([mezzanine.width, mezzanine.height, mezzanine.orientation]).toEqual([600, 900, undefined]);

    const small = await fetch(`${origin.url}/img/${id}/w_100,f_png`);
    expect(decodedFrom(small)).toBe('ladder-450');
    const { sizes, meanDifference } = await compare(Buffer.from(await small.arrayBuffer()), await direct(original, 'w_100'));
    expect(sizes[0]).toBe(sizes[1]);
    expect(meanDifference).toBeLessThan(2);
    expect(decodedFrom(await fetch(`${origin.url}/img/${id}/c_fill,w_300,h_300,f_png`))).toBe('ladder-900');

    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await keysUnder(origin, `ladder/${id}/`)).toEqual([]);
  });

  async function storedBytes(key: string): Promise<Buffer> {
    const object = await origin.services.storage.get(key);
    if (!object) throw new Error(`${key} is not stored`);
    return buffer(object.body);
  }
});
