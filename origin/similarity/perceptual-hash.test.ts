import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../ingest/decode.ts';
import { hammingDistance } from './hamming.ts';
import { dctHash, HASH_SIDE, perceptualHash } from './perceptual-hash.ts';

/** The hash of a picture that has one. */
async function hashOf(decoded: DecodedImage): Promise<string> {
  const hash = await perceptualHash(decoded);
  if (hash === null) throw new Error('the picture has no hash');
  return hash;
}

/** A smooth synthetic picture: a few blobs of light on a gradient, at any size. */
async function picture(width: number, height: number, seed: number): Promise<DecodedImage> {
  const blobs = Array.from({ length: 4 }, (_, index) => {
    const x = ((seed * 37 + index * 53) % 100) / 100;
    const y = ((seed * 61 + index * 29) % 100) / 100;
    return `<circle cx="${x * width}" cy="${y * height}" r="${(0.1 + (index % 3) * 0.08) * width}" fill="#${((seed * 9973 + index * 4099) % 0xffffff).toString(16).padStart(6, '0')}"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#${(seed * 1234567) % 0xffffff}"/><stop offset="1" stop-color="#eeeeee"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>${blobs}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

describe('dctHash', () => {
  it('is 16 hex digits with as many ones as zeros (the median splits the 64 coefficients)', () => {
    const grey = Array.from({ length: HASH_SIDE * HASH_SIDE }, (_, index) => Math.sin(index * 0.37) * 100 + (index % 7) * 10);
    const hash = dctHash(grey);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    const ones = [...BigInt(`0x${hash ?? ''}`).toString(2)].filter((bit) => bit === '1').length;
    expect(ones).toBe(32);
  });

  it('ignores brightness and contrast: only which low frequencies are larger counts', () => {
    const grey = Array.from({ length: HASH_SIDE * HASH_SIDE }, (_, index) => ((index * 7919) % 251) + (index >> 5));
    expect(dctHash(grey.map((value) => value * 0.8 + 30))).toBe(dctHash(grey));
  });

  it('gives a flat image no hash: it has no shape to compare, whatever its colour', () => {
    expect(dctHash(new Array<number>(HASH_SIDE * HASH_SIDE).fill(128))).toBeNull();
    expect(dctHash(new Array<number>(HASH_SIDE * HASH_SIDE).fill(0))).toBeNull();
    const speck = new Array<number>(HASH_SIDE * HASH_SIDE).fill(128);
    speck[500] = 200;
    expect(dctHash(speck)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses anything but 32×32 values', () => {
    expect(() => dctHash([1, 2, 3])).toThrow(/32×32/);
  });

  it('sees structure that runs one way only (the DC row and column are kept)', () => {
    const stripes = (vertical: boolean) =>
      Array.from({ length: HASH_SIDE * HASH_SIDE }, (_, index) => {
        const at = vertical ? index % HASH_SIDE : Math.floor(index / HASH_SIDE);
        return 128 + 100 * Math.cos((Math.PI * (2 * at + 1) * 3) / (2 * HASH_SIDE));
      });
    expect(dctHash(stripes(true))).toMatch(/^[0-9a-f]{16}$/);
    expect(dctHash(stripes(false))).toMatch(/^[0-9a-f]{16}$/);
    expect(dctHash(stripes(true))).not.toBe(dctHash(stripes(false)));
  });
});

describe('perceptualHash', () => {
  it('hashes a decoded image alike at any size and channel count, and other pictures apart', async () => {
    const large = await picture(640, 480, 3);
    const small = await picture(160, 120, 3);
    const other = await picture(640, 480, 8);
    // The luma the hash itself takes, as a one-channel image.
    const grey = Buffer.alloc(640 * 480);
    for (let pixel = 0; pixel < grey.length; pixel += 1) {
      const [red = 0, green = 0, blue = 0] = large.data.subarray(pixel * 3, pixel * 3 + 3);
      grey[pixel] = Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
    }
    const hash = await hashOf(large);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(hash, await hashOf(small))).toBeLessThanOrEqual(4);
    expect(hammingDistance(hash, await hashOf({ data: grey, width: 640, height: 480, channels: 1 }))).toBeLessThanOrEqual(4);
    expect(hammingDistance(hash, await hashOf(other))).toBeGreaterThan(12);
  });

  it('hashes transparent pixels as the white page they are shown on', async () => {
    const opaque = await picture(200, 200, 5);
    const rgba = Buffer.alloc(200 * 200 * 4);
    for (let pixel = 0; pixel < 200 * 200; pixel += 1) {
      const keep = pixel % 200 < 100;
      for (let channel = 0; channel < 3; channel += 1) rgba[pixel * 4 + channel] = keep ? (opaque.data[pixel * 3 + channel] ?? 0) : 0;
      rgba[pixel * 4 + 3] = keep ? 255 : 0;
    }
    const onWhite = Buffer.from(opaque.data);
    for (let pixel = 0; pixel < 200 * 200; pixel += 1) if (pixel % 200 >= 100) onWhite.fill(255, pixel * 3, pixel * 3 + 3);
    const transparent = await hashOf({ data: rgba, width: 200, height: 200, channels: 4 });
    expect(hammingDistance(transparent, await hashOf({ data: onWhite, width: 200, height: 200, channels: 3 }))).toBeLessThanOrEqual(2);
  });
});
