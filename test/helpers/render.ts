import sharp from 'sharp';

/**
 * Test fixtures made with sharp at test time, and pixel readers: outputs are compared by size,
 * format and pixels, never by bytes.
 */

export type Rgb = [number, number, number];
export const red: Rgb = [255, 0, 0];
export const green: Rgb = [0, 255, 0];
export const blue: Rgb = [0, 0, 255];
export const yellow: Rgb = [255, 255, 0];

/** 400x200 PNG: red top-left, green top-right, blue bottom-left, yellow bottom-right. */
export async function quadrants(width = 400, height = 200): Promise<Buffer> {
  const w = width / 2;
  const h = height / 2;
  const tile = (colour: Rgb): Promise<Buffer> =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } })
      .png()
      .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .composite([
      { input: await tile(red), left: 0, top: 0 },
      { input: await tile(green), left: w, top: 0 },
      { input: await tile(blue), left: 0, top: h },
      { input: await tile(yellow), left: w, top: h },
    ])
    .png()
    .toBuffer();
}

export async function solid(width: number, height: number, colour: string, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp({ create: { width, height, channels, background: colour } })
    .png()
    .toBuffer();
}

/** An animated WebP of `frames` solid frames in changing colours. */
export async function animatedWebp(frames: number, width = 60, height = 40): Promise<Buffer> {
  const images = await Promise.all(
    Array.from({ length: frames }, (_, index) => solid(width, height, `hsl(${(index * 360) / frames}, 100%, 50%)`)),
  );
  return sharp(images, { join: { animated: true } })
    .webp({ loop: 0, delay: Array.from({ length: frames }, () => 100) })
    .toBuffer();
}

export interface Pixels {
  width: number;
  height: number;
  at(x: number, y: number): [number, number, number, number];
}

export async function pixels(image: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at(x, y) {
      const offset = (y * info.width + x) * 4;
      return [data[offset] ?? -1, data[offset + 1] ?? -1, data[offset + 2] ?? -1, data[offset + 3] ?? -1];
    },
  };
}

/** Colour distance that tolerates lossy encoders. */
export function near(actual: readonly number[], expected: Rgb, tolerance = 40): boolean {
  return expected.every((value, index) => Math.abs((actual[index] ?? -1000) - value) <= tolerance);
}

/** 8x8 grey average hash, as 64 bits in a string: similar pictures differ in few bits. */
export async function averageHash(image: Buffer): Promise<string> {
  const data = await sharp(image).resize(8, 8, { fit: 'fill' }).greyscale().raw().toBuffer();
  const mean = data.reduce((sum, value) => sum + value, 0) / data.length;
  return Array.from(data, (value) => (value > mean ? '1' : '0')).join('');
}

export function hammingDistance(a: string, b: string): number {
  let distance = 0;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) distance += 1;
  return distance;
}
