import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** EXIF/XMP read at upload reach the image object; GPS only with KEEP_GPS=true; variants carry none. */

const photo = () =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#456' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'Acme', Model: 'A-1' },
      IFD2: { DateTimeOriginal: '2024:05:06 07:08:09', ExposureTime: '1/125', FNumber: '4/1', ISOSpeedRatings: '100', FocalLength: '35/1' },
      IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 51/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '151/1 12/1 0/1' },
    })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>opera</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>',
    )
    .toBuffer();

async function upload(origin: TestOrigin): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin.url}/v1/images?filename=p.jpg`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: await photo(),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

describe('embedded metadata over HTTP', () => {
  let origin: TestOrigin;
  let keeping: TestOrigin;
  beforeAll(async () => {
    [origin, keeping] = await Promise.all([startTestOrigin(), startTestOrigin({ KEEP_GPS: 'true' })]);
  });
  afterAll(async () => {
    await Promise.all([origin.destroy(), keeping.destroy()]);
  });

  it('answers exif and iptc in the image object, without GPS by default, and renders variants without metadata', async () => {
    const image = await upload(origin);
    expect(image['exif']).toEqual({
      make: 'Acme',
      model: 'A-1',
      lens: null,
      takenAt: '2024-05-06T07:08:09',
      exposureTime: 0.008,
      fNumber: 4,
      iso: 100,
      focalLength: 35,
      gps: null,
    });
    expect(image['iptc']).toEqual({ caption: null, keywords: ['opera'], creator: null, copyright: null });
    const again = (await (await fetch(`${origin.url}/v1/images/${String(image['id'])}`)).json()) as Record<string, unknown>;
    expect(again['exif']).toEqual(image['exif']);

    const variant = await fetch(`${origin.url}/img/${String(image['id'])}/w_32,f_jpeg`);
    expect(variant.status).toBe(200);
    const meta = await sharp(Buffer.from(await variant.arrayBuffer())).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
  });

  it('keeps the GPS position with KEEP_GPS=true', async () => {
    const image = await upload(keeping);
    const gps = (image['exif'] as { gps: { latitude: number; longitude: number } }).gps;
    expect(gps.latitude).toBeCloseTo(-33.85, 2);
    expect(gps.longitude).toBeCloseTo(151.2, 2);
  });
});
