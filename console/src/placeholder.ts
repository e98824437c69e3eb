import { decode } from 'blurhash';
import type { ImageObject } from './types.ts';

const cache = new Map<string, string>();

/**
 * What a tile shows until its image has loaded: the BlurHash drawn into a tiny PNG (a data: URL,
 * which the CSP's img-src allows), over the dominant colour.
 */
export function placeholderStyle(image: ImageObject): Record<string, string> {
  const style: Record<string, string> = {};
  if (image.placeholder.dominantColor) style['backgroundColor'] = image.placeholder.dominantColor;
  const url = image.placeholder.blurhash ? blurhashUrl(image.placeholder.blurhash) : undefined;
  if (url) style['backgroundImage'] = `url("${url}")`;
  return style;
}

function blurhashUrl(hash: string): string | undefined {
  const known = cache.get(hash);
  if (known !== undefined) return known;
  try {
    const size = 32;
    const pixels = decode(hash, size, size);
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    context.putImageData(new ImageData(new Uint8ClampedArray(pixels), size, size), 0, 0);
    const url = canvas.toDataURL('image/png');
    cache.set(hash, url);
    return url;
  } catch {
    return undefined; // a malformed hash only costs the placeholder
  }
}
