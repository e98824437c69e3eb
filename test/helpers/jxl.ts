import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import decode, { init } from '@jsquash/jxl/decode.js';
import sharp from 'sharp';

/**
 * JPEG XL outputs decoded back for the tests: libjxl's decoder in WebAssembly (the same package's
 * other half; sharp's prebuilt reads no JPEG XL), as a PNG that sharp can compare.
 */

const require = createRequire(import.meta.url);
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssemblyModule> } }).WebAssembly;
// Its d.ts names only init's options overload; the JavaScript also takes a compiled module.
type WebAssemblyModule = Parameters<typeof init>[0];
let ready: Promise<unknown> | undefined;

export interface DecodedJxl {
  width: number;
  height: number;
  /** The decoded RGBA as a lossless PNG. */
  png: Buffer;
}

/** The first bytes of a JPEG XL codestream (`FF 0A`) or of its ISO BMFF container. */
export function isJxl(bytes: Buffer): boolean {
  const container = Buffer.from([0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);
  return (bytes[0] === 0xff && bytes[1] === 0x0a) || bytes.subarray(0, 12).equals(container);
}

export async function decodeJxl(bytes: Buffer): Promise<DecodedJxl> {
  ready ??= readFile(require.resolve('@jsquash/jxl/codec/dec/jxl_dec.wasm')).then(async (module) => init(await wasm.compile(module)));
  await ready;
  const copy = new Uint8Array(bytes).buffer;
  const image = await decode(copy);
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .png()
    .toBuffer();
  return { width: image.width, height: image.height, png };
}

/** Mean absolute difference per RGB sample of two images brought to the same small size on white. */
export async function meanDifference(a: Buffer, b: Buffer, width: number, height: number): Promise<number> {
  const samples = (input: Buffer) =>
    sharp(input).resize({ width, height, fit: 'fill' }).flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer();
  const [left, right] = await Promise.all([samples(a), samples(b)]);
  let total = 0;
  for (let index = 0; index < left.length; index += 1) total += Math.abs((left[index] ?? 0) - (right[index] ?? 0));
  return total / left.length;
}
