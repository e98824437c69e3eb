import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { corpusManifest, corpusPath, hasCorpus } from '../../test/helpers/corpus.ts';
import { SNIFF_BYTES, sniffFormat } from './sniff.ts';

const head = (bytes: Uint8Array) => bytes.subarray(0, SNIFF_BYTES);
const text = (value: string) => new TextEncoder().encode(value);
const solid = () => sharp({ create: { width: 16, height: 8, channels: 3, background: '#c03020' } });

/** An ISO-BMFF ftyp box with the given major and compatible brands. */
function ftyp(major: string, compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  const box = Buffer.alloc(size + 8);
  box.writeUInt32BE(size, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((brand, index) => box.write(brand, 16 + 4 * index, 'latin1'));
  return box;
}

describe('sniffFormat: generated fixtures', () => {
  it('recognises every raster format sharp writes, from bytes alone', async () => {
    expect(sniffFormat(await solid().jpeg().toBuffer())?.format).toBe('jpeg');
    expect(sniffFormat(await solid().png().toBuffer())?.format).toBe('png');
    expect(sniffFormat(await solid().gif().toBuffer())?.format).toBe('gif');
    expect(sniffFormat(await solid().webp().toBuffer())?.format).toBe('webp');
    expect(sniffFormat(await solid().avif().toBuffer())?.format).toBe('avif');
    expect(sniffFormat(await solid().tiff().toBuffer())?.format).toBe('tiff');
    expect(sniffFormat(await solid().tiff({ bigtiff: true }).toBuffer())?.format).toBe('tiff');
  });

  it('tells AVIF from HEIC by major brand, then compatible brands', () => {
    expect(sniffFormat(ftyp('avif', ['mif1', 'miaf']))).toEqual({ format: 'avif', readable: true });
    expect(sniffFormat(ftyp('avis', ['msf1']))?.format).toBe('avif');
    expect(sniffFormat(ftyp('heic', ['mif1', 'heic']))?.format).toBe('heic');
    expect(sniffFormat(ftyp('mif1', ['mif1', 'avif']))?.format).toBe('avif');
    expect(sniffFormat(ftyp('mif1', ['heix']))?.format).toBe('heic');
    expect(sniffFormat(ftyp('msf1', ['hevc']))?.format).toBe('heic');
    // An MP4 video is ISO-BMFF too, but not an image.
    expect(sniffFormat(ftyp('isom', ['isom', 'mp41']))).toBeNull();
  });

  it('finds SVG after a BOM, XML declaration, comments and a DOCTYPE with an internal subset', () => {
    const prolog =
      '\uFEFF<?xml version="1.0"?>\n<!-- a > b -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd" [ <!ENTITY e "]>"> <!-- ]> --> ]>\n';
    expect(sniffFormat(text(`${prolog}<svg xmlns="http://www.w3.org/2000/svg"/>`))).toEqual({ format: 'svg', readable: true });
    expect(sniffFormat(text('<svg>'))?.format).toBe('svg');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>', 'utf16le')]);
    expect(sniffFormat(utf16)?.format).toBe('svg');
  });

  it('does not call other XML, HTML or text SVG', () => {
    expect(sniffFormat(text('<?xml version="1.0"?><html><svg/></html>'))).toBeNull();
    expect(sniffFormat(text('<svgfoo/>'))).toBeNull();
    expect(sniffFormat(text('hello <svg>'))).toBeNull();
    expect(sniffFormat(text('just some text\n'))).toBeNull();
    expect(sniffFormat(text('BMW makes cars, not bitmaps'))).toBeNull();
    expect(sniffFormat(new Uint8Array(0))).toBeNull();
  });

  it('exposes svgz, and refuses gzip that is not SVG and BMP', () => {
    expect(sniffFormat(gzipSync(text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')))).toEqual({
      format: 'svgz',
      readable: true,
    });
    expect(sniffFormat(gzipSync(text('{"not":"svg"}')))).toEqual({ format: 'gzip', readable: false });
    const bmp = Buffer.alloc(64);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(40, 14);
    expect(sniffFormat(bmp)).toEqual({ format: 'bmp', readable: false });
  });

  it('only needs the head: a truncated gzip head of a large svgz still sniffs', () => {
    const rects = Array.from(
      { length: 20_000 },
      (_, index) => `<rect x="${(index * 7919) % 1000}" y="${(index * 104729) % 997}" width="3" height="3"/>`,
    );
    const big = `<svg xmlns="http://www.w3.org/2000/svg">${rects.join('')}</svg>`;
    const compressed = gzipSync(text(big));
    expect(compressed.length).toBeGreaterThan(SNIFF_BYTES);
    expect(sniffFormat(head(compressed))?.format).toBe('svgz');
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = sniffFormat(bytes);
        return result === null || typeof result.format === 'string';
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (tail) => {
        sniffFormat(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), tail]));
        sniffFormat(Buffer.concat([ftyp('mif1', []), tail]));
        return true;
      }),
    );
  });
});

const manifest = corpusManifest();

/** The manifest's container name as sniffFormat spells it; svgz is SVG inside gzip. */
function expectedFormat(format: string, bytes: Uint8Array): string | null {
  if (format === 'svg') return bytes[0] === 0x1f && bytes[1] === 0x8b ? 'svgz' : 'svg';
  if (['unknown', 'icc', 'empty'].includes(format)) return null;
  return format;
}

describe.skipIf(!hasCorpus)('sniffFormat: the corpus', () => {
  it.each(manifest.map((entry) => [entry.file, entry] as const))('%s', (_file, entry) => {
    const bytes = head(readFileSync(corpusPath(entry)));
    expect(sniffFormat(bytes)?.format ?? null).toBe(expectedFormat(entry.format, bytes));
  });
});
