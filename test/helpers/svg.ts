/**
 * A document of `count` small rects: sanitising it is seconds of synchronous work per 100,000
 * elements. `drawn: false` puts them in `<defs>`, so librsvg parses but does not paint them and a
 * test spends its time on the sanitiser rather than on rasterising.
 */
export function manyElements(count: number, options: { drawn?: boolean } = {}): Buffer {
  const rects = Array.from(
    { length: count },
    (_, n) =>
      `<rect x="${n % 500}" y="${Math.floor(n / 500) % 500}" width="1" height="1" fill="#${(n % 4096).toString(16).padStart(3, '0')}"/>`,
  );
  const body = options.drawn === false ? `<rect width="500" height="500" fill="#08f"/><defs>${rects.join('')}</defs>` : rects.join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="500" height="500" viewBox="0 0 500 500">${body}</svg>`);
}
