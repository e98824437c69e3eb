import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blendOnto } from './watermark.ts';

async function noise(width: number, height: number, channels: 3 | 4, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * channels);
  let state = seed;
  for (let index = 0; index < data.length; index++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    data[index] = state >> 23;
  }
  return Promise.resolve(data);
}

describe('blendOnto', () => {
  it('composites like sharp’s "over", onto RGB and RGBA, within one level where anything shows', async () => {
    const overlay = { data: await noise(20, 10, 4, 7), width: 20, height: 10 };
    for (const channels of [3, 4] as const) {
      const base = await noise(64, 48, channels, 3);
      // sharp gives an RGB base an alpha band to composite; an opaque one, dropped again.
      const composited = sharp(base, { raw: { width: 64, height: 48, channels } }).composite([
        { input: overlay.data, raw: { width: 20, height: 10, channels: 4 }, left: 30, top: 25 },
      ]);
      const expected = await (
        channels === 3
          ? sharp(await composited.raw().toBuffer(), { raw: { width: 64, height: 48, channels: 4 } }).removeAlpha()
          : composited
      )
        .raw()
        .toBuffer();
      const raw = { data: Buffer.from(base), width: 64, height: 48, channels, frames: 1 };
      expect(blendOnto(raw, overlay, 30, 25)).toBe(true);
      let worst = 0;
      for (let index = 0; index < expected.length; index++) {
        // libvips zeroes the colour of fully transparent pixels; there it is invisible either way.
        if (channels === 4 && expected[index - (index % 4) + 3] === 0) continue;
        worst = Math.max(worst, Math.abs((expected[index] ?? 0) - (raw.data[index] ?? 0)));
      }
      expect([channels, worst <= 1]).toEqual([channels, true]);
    }
  });

  it('declines grey images and overlays that do not fit, which sharp composites instead', async () => {
    const overlay = { data: await noise(4, 4, 4, 1), width: 4, height: 4 };
    expect(blendOnto({ data: Buffer.alloc(100), width: 10, height: 10, channels: 1, frames: 1 }, overlay, 0, 0)).toBe(false);
    expect(blendOnto({ data: Buffer.alloc(300), width: 10, height: 10, channels: 3, frames: 1 }, overlay, 8, 0)).toBe(false);
  });
});
