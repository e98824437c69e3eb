/**
 * Inline raster images (`data:image/…` URIs) in a sanitised SVG. librsvg decodes them at full
 * size whatever size they are drawn at, so a 1 MB JPEG of 280 MP inside a 100×100 SVG costs
 * gigabytes: their headers count against the pixel limit too (see inspect.ts).
 */

const dataUri = /data:image\/(?:png|jpe?g|gif|webp)((?:;[a-z0-9_.+=-]+)*),([^"')<]*)/gi;

/** The bytes of every inline raster image in a sanitised (serialised by us) SVG. */
export function embeddedImages(svg: string): Buffer[] {
  const images: Buffer[] = [];
  for (const match of svg.matchAll(dataUri)) {
    const parameters = (match[1] ?? '').toLowerCase();
    const payload = (match[2] ?? '').replace(/&amp;/g, '&');
    images.push(parameters.includes(';base64') ? Buffer.from(payload.replace(/\s+/g, ''), 'base64') : percentDecode(payload));
  }
  return images;
}

function percentDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const hex = text[index] === '%' ? text.slice(index + 1, index + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(text.charCodeAt(index) & 0xff);
    }
  }
  return Buffer.from(bytes);
}
