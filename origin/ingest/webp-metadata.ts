import sharp from 'sharp';

const XMP_NAMESPACE = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const MAX_SEGMENT = 0xffff - 2;

/**
 * A WebP's EXIF and XMP chunks as the APP1 segments of an otherwise empty JPEG, the one container
 * exifr reads them from: exifr 7 does not parse WebP's RIFF chunks, and libvips (through sharp's
 * header read, no pixels decoded) already finds them wherever the writer put them, often after the
 * image data. A block too large for one JPEG segment (64 KiB) is left out; null when neither is there.
 */
export async function webpMetadataAsJpeg(path: string): Promise<Buffer | null> {
  const { exif, xmp } = await sharp(path).metadata();
  const segments: Buffer[] = [];
  if (exif !== undefined) {
    // libvips keeps the JPEG-style "Exif\0\0" prefix; some writers' chunks have none.
    const payload = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif : Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exif]);
    segments.push(...app1(payload));
  }
  if (xmp !== undefined) segments.push(...app1(Buffer.concat([XMP_NAMESPACE, xmp])));
  if (segments.length === 0) return null;
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments, Buffer.from([0xff, 0xd9])]);
}

function app1(payload: Buffer): Buffer[] {
  if (payload.length > MAX_SEGMENT) return [];
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return [header, payload];
}
