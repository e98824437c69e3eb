import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { PixelfrontError } from '../../core/errors.ts';
import { decodeHeic } from './decode-heic.ts';

/**
 * A HEIC original as an image sharp can read: its decoded pixels in an uncompressed PNG that
 * carries the HEIC's ICC profile, so the rest of ingest and rendering treats it like any PNG
 * (the embedded profile is converted to sRGB by the usual colour management, Display P3 on
 * iPhones). The PNG lives in memory for one decode or render; nothing of it is stored.
 *
 * sharp takes no ICC profile with raw input, and attaching one on output converts the pixels
 * instead of labelling them: hence the iCCP chunk written here, after the PNG's IHDR.
 */
export async function heicAsPng(input: Buffer | string, deadline: number, timedOut: () => PixelfrontError): Promise<Buffer> {
  const pixels = await decodeHeic(input, deadline, timedOut);
  // sharp reads the ICC profile from the HEIF header even though it cannot decode the pixels.
  const { icc } = await sharp(input, { limitInputPixels: false }).metadata();
  let image = sharp(pixels.data, {
    raw: { width: pixels.width, height: pixels.height, channels: 4, premultiplied: pixels.premultiplied },
  });
  if (!pixels.hasAlpha) image = image.removeAlpha();
  // Level 0: the PNG is read back at once, so compressing it would only cost time.
  const png = await image.png({ compressionLevel: 0, adaptiveFiltering: false }).toBuffer();
  return icc === undefined ? png : withIccProfile(png, icc);
}

/** PNG signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC): iCCP must come before IDAT. */
const AFTER_IHDR = 33;

function withIccProfile(png: Buffer, icc: Buffer): Buffer {
  const type = Buffer.from('iCCP', 'latin1');
  // Profile name, NUL, compression method 0 (zlib), the compressed profile.
  const data = Buffer.concat([Buffer.from('ICC Profile\0\0', 'latin1'), deflateSync(icc)]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  return Buffer.concat([png.subarray(0, AFTER_IHDR), length, type, data, crc, png.subarray(AFTER_IHDR)]);
}
