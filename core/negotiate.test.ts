import { describe, expect, it } from 'vitest';
import { acceptToken, defaultFormat, outputFormat, resolveFormat } from './negotiate.ts';

describe('acceptToken', () => {
  const table: [accept: string | null | undefined, token: string][] = [
    [undefined, 'default'],
    [null, 'default'],
    ['', 'default'],
    ['*/*', 'default'],
    ['image/*', 'default'],
    ['image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'avif'], // Chrome
    ['image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'jxl'], // Chromium on these machines
    ['image/webp,image/avif,image/jxl', 'jxl'], // the server's order, not the client's listing order
    ['image/jxl;q=0.1,image/avif', 'jxl'], // any q > 0 counts: every listed format decodes
    ['image/jxl;q=0,image/avif,image/webp', 'avif'],
    ['image/jxl;q=0,image/avif;q=0,image/webp', 'webp'],
    ['image/jxl', 'jxl'],
    ['image/jxl;q=abc,image/webp', 'webp'],
    ['image/webp,*/*', 'webp'], // old Firefox
    ['image/webp,image/avif;q=0', 'webp'],
    ['image/avif;q=0.000,image/webp;q=0.5', 'webp'],
    ['image/avif;q=0.001', 'avif'],
    ['IMAGE/AVIF', 'avif'],
    ['  image/avif ; q = 0.9 , */*', 'avif'],
    ['image/avif;q=abc,image/webp', 'webp'], // a malformed q drops that range
    ['image/avif;q=2', 'default'],
    ['image/webp;q=0,image/avif;q=0', 'default'],
    ['image/avif;level=1;q=0.5', 'avif'],
    ['image/png,image/jpeg', 'default'],
    [',,;;==', 'default'],
  ];
  it.each(table)('%s → %s', (accept, token) => {
    expect(acceptToken(accept)).toBe(token);
  });
});

describe('format resolution', () => {
  const still = (format: string, hasAlpha = false) => ({ format, hasAlpha, animated: false });
  const moving = (format: string) => ({ format, hasAlpha: false, animated: true });

  it('defaults to the source format when writable, else PNG with alpha and JPEG without', () => {
    expect(defaultFormat(still('jpeg'))).toBe('jpeg');
    expect(defaultFormat(still('gif'))).toBe('gif');
    expect(defaultFormat(still('avif'))).toBe('avif');
    expect(defaultFormat(still('tiff', true))).toBe('png');
    expect(defaultFormat(still('tiff'))).toBe('jpeg');
    expect(defaultFormat(still('svg', true))).toBe('png');
    expect(defaultFormat(still('heic'))).toBe('jpeg');
  });

  it('resolves f_auto tokens for still sources', () => {
    expect(resolveFormat('avif', still('png', true))).toBe('avif');
    expect(resolveFormat('jxl', still('png', true))).toBe('jxl');
    expect(resolveFormat('jxl', still('heic'))).toBe('jxl');
    expect(resolveFormat('webp', still('jpeg'))).toBe('webp');
    expect(resolveFormat('default', still('png', true))).toBe('png');
    expect(resolveFormat('default', still('tiff'))).toBe('jpeg');
  });

  it('keeps animated sources animated: WebP when accepted, else GIF', () => {
    expect(resolveFormat('avif', moving('gif'))).toBe('webp');
    expect(resolveFormat('jxl', moving('gif'))).toBe('webp');
    expect(resolveFormat('webp', moving('gif'))).toBe('webp');
    expect(resolveFormat('default', moving('gif'))).toBe('gif');
    expect(resolveFormat('default', moving('webp'))).toBe('gif');
  });

  it('picks the explicit format, f_auto or the default for a spec', () => {
    expect(outputFormat({ f: 'png' }, 'avif', still('jpeg'))).toBe('png');
    expect(outputFormat({ f: 'auto' }, 'avif', still('jpeg'))).toBe('avif');
    expect(outputFormat({}, 'avif', still('jpeg'))).toBe('jpeg');
  });
});
