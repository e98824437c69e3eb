import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { XMLValidator } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../../core/errors.ts';
import { corpusManifest, corpusPath, hasCorpus } from '../../../test/helpers/corpus.ts';
import { isAllowedReference, sanitizeCss } from './policy.ts';
import { DEFAULT_SVG_LIMITS, sanitizeSvg } from './sanitize.ts';

const NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';

/** Every reference the document still holds (attributes and CSS), for the policy check. */
function references(svg: string): string[] {
  const found: string[] = [];
  for (const match of svg.matchAll(/\s(?:[\w-]+:)?(?:href|src)\s*=\s*"([^"]*)"/gi)) found.push(match[1] ?? '');
  for (const match of svg.matchAll(/url\(\s*["']?([^"')]*)/gi)) found.push(match[1] ?? '');
  return found;
}

/** What must never survive sanitising, whatever the input. */
function expectSafe(svg: string): void {
  expect(svg).not.toMatch(/<script/i);
  expect(svg).not.toMatch(/<foreignObject/i);
  expect(svg).not.toMatch(/\son[a-z]+\s*=/i);
  expect(svg).not.toMatch(/javascript:/i);
  expect(svg).not.toMatch(/data:text\/html/i);
  expect(svg).not.toMatch(/@import/i);
  expect(svg).not.toMatch(/<!DOCTYPE|<!ENTITY|<\?/i);
  expect(svg).not.toMatch(/xml:base/i);
  for (const reference of references(svg)) expect(isAllowedReference(reference), reference).toBe(true);
  expect(XMLValidator.validate(svg)).toBe(true);
}

async function render(svg: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function pixel(image: { data: Buffer; width: number }, x: number, y: number): number[] {
  const offset = (y * image.width + x) * 4;
  return [...image.data.subarray(offset, offset + 4)];
}

/** A loopback listener that counts connections: librsvg must never open one. */
let connections = 0;
let port = 0;
const listener = createServer((socket) => {
  connections += 1;
  socket.destroy();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

const redPng = sharp({ create: { width: 2, height: 2, channels: 3, background: '#ff0000' } })
  .png()
  .toBuffer();

describe('sanitizeSvg: hostile input', () => {
  it('neutralises scripts, handlers, javascript: links, external references and CSS imports', async () => {
    const origin = `http://127.0.0.1:${port}`;
    const hostile = `<?xml version="1.0"?>
<?xml-stylesheet href="${origin}/sheet.css" type="text/css"?>
<svg ${NS} width="100" height="50" onload="alert(1)" xml:base="${origin}/">
  <style>@import url(${origin}/import.css); @import "${origin}/import2.css";
    .a { fill: url(${origin}/paint.svg#p); } .b { background: u\\72l(${origin}/escaped.png); }
    .c { background-image: image-set("${origin}/set.png" 1x); } .d { behavior: url(${origin}/x.htc); }
    @font-face { font-family: X; src: url(${origin}/font.woff); }</style>
  <script xlink:href="${origin}/evil.js"/>
  <script>alert(2)</script>
  <rect id="r" width="50" height="50" fill="#00ff00" ONCLICK="alert(3)" style="stroke: url('${origin}/s.svg#g')"/>
  <a xlink:href="javascript:alert(4)"><rect x="50" width="50" height="50" fill="#0000ff"/></a>
  <a href="java&#x09;script:alert(5)"><circle r="1"/></a>
  <use href="${origin}/sprite.svg#icon"/>
  <use xlink:href=" javascript:alert(6)"/>
  <use xlink:href="#r" x="0" y="0"/>
  <image href="${origin}/image.png" width="10" height="10"/>
  <image href="file:///etc/passwd" width="10" height="10"/>
  <image href="../images/tree.jpg" width="10" height="10"/>
  <image href="data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==" width="10" height="10"/>
  <image href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDgpIi8+" width="10" height="10"/>
  <filter id="f"><feImage href="${origin}/fe.png"/></filter>
  <set attributeName="href" to="javascript:alert(9)"/>
  <animate attributeName="xlink:href" values="javascript:alert(10)"/>
  <animate attributeName="onclick" values="alert(11)"/>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="${origin}/frame"/></div></foreignObject>
  <iframe src="${origin}/frame2"/><embed src="${origin}/embed"/><object data="${origin}/object"/>
  <font-face><font-face-src><font-face-uri xlink:href="${origin}/font.svg#f"/></font-face-src></font-face>
  <cursor xlink:href="${origin}/cursor.png"/>
  <color-profile xlink:href="${origin}/profile.icc"/>
  <rect width="1" height="1" fill="url(${origin}/grad.svg#g)" filter="url(#f)" mask="url( '#m' )"/>
</svg>`;
    const clean = sanitizeSvg(hostile);
    expectSafe(clean);
    expect(clean).not.toContain('127.0.0.1');
    expect(clean).not.toMatch(/<(iframe|embed|object|font-face|cursor|color-profile|set)\b/);
    // The drawing and same-document references survive.
    expect(clean).toContain('<use xlink:href="#r"');
    expect(clean).toContain('filter="url(#f)"');
    expect(clean).toMatch(/mask="url\( '#m' \)"/);
    const image = await render(clean);
    expect([image.width, image.height]).toEqual([100, 50]);
    expect(pixel(image, 25, 25)).toEqual([0, 255, 0, 255]);
    expect(pixel(image, 75, 25)).toEqual([0, 0, 255, 255]);
    expect(connections).toBe(0);
  });

  it('drops DOCTYPE and entities: no XXE, no billion laughs', () => {
    const lol = Array.from({ length: 9 }, (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level};`.repeat(10)}">`).join('\n');
    const hostile = `<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY lol0 "lol">
  ${lol}
]>
<svg ${NS} width="10" height="10"><text>&xxe;&lol9;</text><desc>&amp; &#65; &#x42;</desc></svg>`;
    const started = performance.now();
    const clean = sanitizeSvg(hostile);
    expect(performance.now() - started).toBeLessThan(1000);
    expectSafe(clean);
    expect(clean).not.toContain('root:');
    expect(clean.length).toBeLessThan(hostile.length);
    // Undeclared entity references are kept as plain text; the predefined and numeric ones decode.
    expect(clean).toContain('&amp;xxe;&amp;lol9;');
    expect(clean).toContain('<desc>&amp; A B</desc>');
  });

  it('keeps inline raster images and renders them', async () => {
    const dataUri = `data:image/png;base64,${(await redPng).toString('base64')}`;
    const clean = sanitizeSvg(`<svg ${NS} width="20" height="20"><image xlink:href="${dataUri}" width="20" height="20"/></svg>`);
    expect(clean).toContain(dataUri);
    expect(pixel(await render(clean), 10, 10)).toEqual([255, 0, 0, 255]);
  });

  it('accepts svgz (gzip Buffer) and caps its expansion', () => {
    const plain = `<svg ${NS} width="4" height="4"><rect width="4" height="4"/></svg>`;
    expect(sanitizeSvg(gzipSync(Buffer.from(plain)))).toBe(sanitizeSvg(plain));
    const bomb = gzipSync(Buffer.from(`<svg ${NS}><desc>${' '.repeat(DEFAULT_SVG_LIMITS.maxBytes + 1)}</desc></svg>`));
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => sanitizeSvg(bomb)).toThrow(expect.objectContaining({ code: 'payload_too_large' }));
  });

  it('refuses what is not SVG (415) and SVG that is not well-formed XML (422)', () => {
    const codeOf = (input: string) => {
      try {
        sanitizeSvg(input);
        return 'accepted';
      } catch (error) {
        return isPixelfrontError(error) ? error.code : 'crash';
      }
    };
    expect(codeOf('<html><svg/></html>')).toBe('unsupported_media_type');
    expect(codeOf('not xml at all')).toBe('unsupported_media_type');
    expect(codeOf(`<svg ${NS}><g></svg>`)).toBe('corrupt_image');
    expect(codeOf(`<svg ${NS} width="1" width="2"/>`)).toBe('corrupt_image');
    expect(codeOf(`<svg ${NS}>${'<g>'.repeat(2000)}${'</g>'.repeat(2000)}</svg>`)).toBe('corrupt_image');
  });

  it('sanitises CSS escapes, comments and string URLs', () => {
    expect(sanitizeCss('a{fill:u\\72 l(http://x/)}')).not.toContain('http');
    expect(sanitizeCss('a{fill:ur/**/l(http://x/)}')).not.toMatch(/url\(http/);
    expect(sanitizeCss('a{fill:url(#ok)} b{fill:url("data:image/webp;base64,AAAA")}')).toBe(
      'a{fill:url(#ok)} b{fill:url("data:image/webp;base64,AAAA")}',
    );
    expect(sanitizeCss('@import url(http://x);a{}')).toBe('a{}');
  });
});

const svgEntries = corpusManifest().filter((entry) => entry.format === 'svg');

describe.skipIf(!hasCorpus)('sanitizeSvg: the corpus SVGs', () => {
  it.each(svgEntries.map((entry) => [entry.file, entry] as const))('%s is safe and still renders at its size', async (_file, entry) => {
    const original = readFileSync(corpusPath(entry));
    const clean = sanitizeSvg(original);
    expectSafe(clean);
    expect(clean).not.toContain('example.org');
    expect(clean).not.toContain('../images/');
    expect(clean).not.toContain('font-face-uri');
    const image = await render(clean);
    expect([image.width, image.height]).toEqual(entry.display_size);
    let opaque = 0;
    for (let index = 3; index < image.data.length; index += 4) if ((image.data[index] ?? 0) > 0) opaque += 1;
    expect(opaque).toBeGreaterThan(0);
    expect(connections).toBe(0);
  });

  it.skipIf(svgEntries.length === 0)('keeps the drawing of a benign SVG pixel for pixel', async () => {
    const entry = svgEntries.find((candidate) => candidate.file.endsWith('svg_simple_check.svg'));
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    const original = readFileSync(corpusPath(entry));
    const before = await render(original.toString('utf8'));
    const after = await render(sanitizeSvg(original));
    expect(after.data.equals(before.data)).toBe(true);
  });
});
