import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddedMetadata } from './embedded-metadata.ts';

/**
 * EXIF, IPTC and XMP read at ingest: a JPEG made here with known values in all three blocks, and
 * corpus files whose metadata is known from their manifest (skipped with a notice without it).
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixelfront-exif-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const xmp = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:creator><rdf:Seq><rdf:li>Ada Photographer</rdf:li></rdf:Seq></dc:creator>
<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© 2026 Ada</rdf:li></rdf:Alt></dc:rights>
<dc:subject><rdf:Bag><rdf:li>harbour</rdf:li><rdf:li>fog</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** An APP13 Photoshop segment holding one IPTC caption (2:120), spliced in after SOI. */
function withIptcCaption(jpeg: Buffer, caption: string): Buffer {
  const text = Buffer.from(caption, 'utf8');
  const iptc = Buffer.concat([Buffer.from([0x1c, 0x02, 0x78, text.length >> 8, text.length & 0xff]), text]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(iptc.length);
  const resource = Buffer.concat([Buffer.from('8BIM'), Buffer.from([0x04, 0x04, 0x00, 0x00]), size, iptc, Buffer.alloc(iptc.length % 2)]);
  const body = Buffer.concat([Buffer.from('Photoshop 3.0\0'), resource]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xed]), length, body, jpeg.subarray(2)]);
}

async function knownJpeg(): Promise<string> {
  const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#678' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'Acme', Model: 'A-1', Artist: 'EXIF artist (XMP wins)' },
      IFD2: {
        DateTimeOriginal: '2024:05:06 07:08:09',
        OffsetTimeOriginal: '+02:00',
        ExposureTime: '1/250',
        FNumber: '28/10',
        ISOSpeedRatings: '400',
        FocalLength: '50/1',
        LensModel: 'Acme 50mm f/1.8',
      },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 0/1' },
    })
    .withXmp(xmp)
    .toBuffer();
  const path = join(dir, `known-${Math.random().toString(36).slice(2)}.jpg`);
  await writeFile(path, withIptcCaption(jpeg, 'Boats in the fog'));
  return path;
}

describe('embedded metadata read at ingest', () => {
  it('reads EXIF camera facts, the IPTC caption and XMP dc: fields of a known JPEG, and drops GPS by default', async () => {
    const path = await knownJpeg();
    const read = await readEmbeddedMetadata(path, 'jpeg', { keepGps: false });
    expect(read.exif).toEqual({
      make: 'Acme',
      model: 'A-1',
      lens: 'Acme 50mm f/1.8',
      takenAt: '2024-05-06T07:08:09+02:00',
      exposureTime: 0.004,
      fNumber: 2.8,
      iso: 400,
      focalLength: 50,
      gps: null,
    });
    expect(read.iptc).toEqual({
      caption: 'Boats in the fog',
      keywords: ['harbour', 'fog'],
      creator: 'Ada Photographer',
      copyright: '© 2026 Ada',
    });
  });

  it('reads the EXIF and XMP chunks of a WebP, which exifr cannot parse itself', async () => {
    const webp = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#678' } })
      .webp()
      .withExif({ IFD0: { Make: 'Acme', Model: 'W-1' }, IFD2: { DateTimeOriginal: '2024:05:06 07:08:09', ISOSpeedRatings: '200' } })
      .withXmp(xmp)
      .toBuffer();
    const path = join(dir, 'known.webp');
    await writeFile(path, webp);
    const read = await readEmbeddedMetadata(path, 'webp', { keepGps: false });
    expect(read.exif).toMatchObject({ make: 'Acme', model: 'W-1', takenAt: '2024-05-06T07:08:09', iso: 200 });
    expect(read.iptc).toEqual({ caption: null, keywords: ['harbour', 'fog'], creator: 'Ada Photographer', copyright: '© 2026 Ada' });
  });

  it('keeps the GPS position only when asked (KEEP_GPS=true)', async () => {
    const read = await readEmbeddedMetadata(await knownJpeg(), 'jpeg', { keepGps: true });
    expect(read.exif?.gps?.latitude).toBeCloseTo(48.858, 3);
    expect(read.exif?.gps?.longitude).toBeCloseTo(2.35, 3);
  });

  it('answers none for an image without metadata, a format exifr cannot read, and broken blocks', async () => {
    const plain = join(dir, 'plain.png');
    await writeFile(
      plain,
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    expect(await readEmbeddedMetadata(plain, 'png', { keepGps: true })).toEqual({ exif: null, iptc: null });
    expect(await readEmbeddedMetadata(plain, 'gif', { keepGps: true })).toEqual({ exif: null, iptc: null });
    const plainWebp = join(dir, 'plain.webp');
    await writeFile(plainWebp, await sharp(plain).webp().toBuffer());
    expect(await readEmbeddedMetadata(plainWebp, 'webp', { keepGps: true })).toEqual({ exif: null, iptc: null });
    expect(await readEmbeddedMetadata(plain, 'webp', { keepGps: true })).toEqual({ exif: null, iptc: null });
    const broken = join(dir, 'broken.jpg');
    // An APP1 "Exif" segment claiming far more than it holds.
    await writeFile(
      broken,
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]), Buffer.from('Exif\0\0MM\0*\0\0\0\x08\xff\xff')]),
    );
    expect(await readEmbeddedMetadata(broken, 'jpeg', { keepGps: true })).toEqual({ exif: null, iptc: null });
  });
});

const corpus = '/work/shared/corpus/valid';
const hasCorpus = existsSync(join(corpus, 'jpeg_cmyk_with_icc.jpg')) && existsSync(join(corpus, 'tiff_rgb_16bit_photoshop.tiff'));
if (!hasCorpus) console.warn(`[skip] embedded metadata corpus tests: ${corpus} is absent`);

describe.skipIf(!hasCorpus)('embedded metadata of corpus files', () => {
  it('reads the Canon EOS 300D EXIF of jpeg_cmyk_with_icc.jpg', async () => {
    const read = await readEmbeddedMetadata(join(corpus, 'jpeg_cmyk_with_icc.jpg'), 'jpeg', { keepGps: false });
    expect(read.exif).toMatchObject({
      make: 'Canon',
      model: 'Canon EOS 300D DIGITAL',
      takenAt: '2004-03-20T14:54:55',
      fNumber: 5.6,
      iso: 400,
      focalLength: 55,
      gps: null,
    });
    expect(read.exif?.exposureTime).toBeCloseTo(1 / 640, 6);
  });

  it('prefers XMP (UTF-8) to IPTC text in tiff_rgb_16bit_photoshop.tiff, with the lens from XMP aux:', async () => {
    const read = await readEmbeddedMetadata(join(corpus, 'tiff_rgb_16bit_photoshop.tiff'), 'tiff', { keepGps: false });
    expect(read.exif).toMatchObject({ make: 'FUJIFILM', model: 'X-T2', lens: 'XF18-55mmF2.8-4 R LM OIS' });
    expect(read.iptc).toMatchObject({ creator: 'Boudewijn Vermeulen', copyright: '© 2018 - C.B. Vermeulen' });
    expect(read.iptc?.keywords).toContain('landscape');
  });

  it('reads the IPTC copyright of jpeg_greyscale_concert.jpg', async () => {
    const read = await readEmbeddedMetadata(join(corpus, 'jpeg_greyscale_concert.jpg'), 'jpeg', { keepGps: false });
    expect(read.iptc).toMatchObject({ copyright: 'Marsel Minga', caption: null, keywords: [] });
  });
});
