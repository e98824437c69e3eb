import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { pixels } from './helpers/render.ts';

const NS = 'xmlns="http://www.w3.org/2000/svg"';

/**
 * Issue 14 item 12: SVGs sized in physical units get the size a browser gives them (1in = 96px,
 * 1pt = 4/3 px), with or without a viewBox, and render at any requested width.
 */
describe('SVG sized in physical units', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(() => origin.destroy());

  const upload = async (svg: string) => {
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/svg+xml' }, body: svg });
    const body = (await response.json()) as { id: string; width: number; height: number };
    expect(response.status, JSON.stringify(body)).toBe(201);
    return body;
  };
  const rendered = async (path: string) => {
    const response = await fetch(`${origin.url}${path}`);
    expect(response.status, path).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  };

  it('has the CSS size for in, pt, mm, cm and pc, with or without a viewBox', async () => {
    const cases: [size: string, viewBox: string, expected: [number, number]][] = [
      ['width="1in" height="0.5in"', '', [96, 48]],
      ['width="1in" height="0.5in"', 'viewBox="0 0 10 5"', [96, 48]],
      ['width="123pt" height="60pt"', '', [164, 80]],
      ['width="50.8mm" height="25.4mm"', '', [192, 96]],
      ['width="2.54cm" height="1.27cm"', 'viewBox="0 0 2 1"', [96, 48]],
      ['width="12pc" height="6pc"', '', [192, 96]],
    ];
    for (const [size, viewBox, expected] of cases) {
      const image = await upload(`<svg ${NS} ${size} ${viewBox}><rect width="100%" height="100%" fill="#d00"/></svg>`);
      expect([image.width, image.height], `${size} ${viewBox}`).toEqual(expected);
    }
  });

  it('renders width="1in" at w_650 and above (it was 422), at the asked size', async () => {
    const { id } = await upload(`<svg ${NS} width="1in" height="1in"><circle cx="48" cy="48" r="40" fill="#0a0"/></svg>`);
    for (const width of [650, 1000, 2000]) {
      const meta = await sharp(await rendered(`/img/${id}/w_${width},f_png`)).metadata();
      expect([meta.width, meta.height], `w_${width}`).toEqual([width, width]);
    }
  });

  it('scales the drawing of a 123pt SVG without a viewBox with its box (content in user units and in pt)', async () => {
    // 123pt = 164px: user units 0…82 are the left half, and 61.5pt (= 82px) the right half.
    const { id } = await upload(
      `<svg ${NS} width="123pt" height="60pt"><rect width="82" height="80" fill="#f00"/><rect x="61.5pt" width="61.5pt" height="60pt" fill="#00f"/></svg>`,
    );
    const image = await pixels(await rendered(`/img/${id}/w_656,f_png`));
    expect([image.width, image.height]).toEqual([656, 320]);
    expect(image.at(160, 160).slice(0, 3)).toEqual([255, 0, 0]);
    expect(image.at(490, 160).slice(0, 3)).toEqual([0, 0, 255]);
    expect(image.at(650, 310).slice(0, 3)).toEqual([0, 0, 255]);
  });
});
