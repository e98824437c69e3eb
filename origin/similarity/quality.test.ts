import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, hasCorpus } from '../../test/helpers/corpus.ts';
import { testConfig } from '../../test/helpers/config.ts';
import { heicAsPng } from '../heic/heic-as-png.ts';
import { inspectAndDecode } from '../ingest/inspect.ts';
import { SvgWorkerPool } from '../ingest/svg/svg-pool.ts';
import { hammingDistance } from './hamming.ts';
import { perceptualHash } from './perceptual-hash.ts';

/**
 * How well the perceptual hash finds edited copies and keeps distinct pictures apart (issue 15;
 * SPEC section 8: ≥ 90 % of copies found, ≤ 1 % of distinct pairs flagged, at the default
 * NEAR_DUPLICATE_DISTANCE). Copies are made here from the corpus photos and hashed exactly as
 * ingest hashes an upload (inspectAndDecode, then perceptualHash). Prints the table the README
 * quotes.
 */

/** Distinct photos: each corpus photo once (the CMYK-without-ICC file, the WebP flower and orientations 2–8 repeat another's picture). */
const photos = [
  'jpeg_baseline_photo_2725x2225.jpg',
  'jpeg_progressive_cat_icc.jpg',
  'jpeg_cmyk_with_icc.jpg',
  'jpeg_icc_exif_flower.jpg',
  'jpeg_greyscale_concert.jpg',
  'jpeg_exif_orientation_1_landscape.jpg',
  'gif_static_800x533.gif',
  'webp_lossy_1024x772.webp',
  'avif_yuv_800x533.avif',
  'heic_1280x854.heic',
  'tiff_rgb_16bit_photoshop.tiff',
];
/** Pictures that are not photos (line art, text, a colour wheel, an icon): more distinct pairs, no copies. */
const graphics = ['png_rgba_8bit_2048x1536.png', 'webp_lossless.webp', 'webp_lossy_alpha.webp', 'png_grey_alpha_8bit.png'];

type Edit = (image: Sharp, width: number, height: number) => Sharp;
/** The copies the issue names. "Cropped by 5 %": 5 % of the width and of the height cut away, centred. */
const edits: Record<string, Edit> = {
  'resized to 50 %': (image, width, height) => image.resize(Math.round(width / 2), Math.round(height / 2)).jpeg({ quality: 90 }),
  're-encoded at quality 60': (image) => image.jpeg({ quality: 60 }),
  'converted to WebP': (image) => image.webp(),
  'cropped by 5 %': (image, width, height) => image.extract(region(width, height, 0.025)).jpeg({ quality: 90 }),
  'brightened by 10 %': (image) => image.modulate({ brightness: 1.1 }).jpeg({ quality: 90 }),
};
/** Measured and reported, outside the rates: the same 5 % cut from the left and top edges only, which shifts the picture. */
const shiftedCrop: Edit = (image, width, height) => image.extract(region(width, height, 0.05)).jpeg({ quality: 90 });

function region(width: number, height: number, left: number) {
  return {
    left: Math.round(width * left),
    top: Math.round(height * left),
    width: Math.floor(width * 0.95),
    height: Math.floor(height * 0.95),
  };
}

describe.skipIf(!hasCorpus)('perceptual hash quality on the corpus photos', () => {
  const config = testConfig();
  const distance = config.nearDuplicateDistance;
  const svg = new SvgWorkerPool({ limits: config.svgLimits, workers: 1 });
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-phash-'));
  });
  afterAll(async () => {
    await svg.close();
    await rm(dir, { recursive: true, force: true });
  });

  const hashFile = async (path: string): Promise<string> => {
    const { decoded } = await inspectAndDecode(path, {
      maxInputPixels: config.maxInputPixels,
      timeoutMs: 60_000,
      ladderSizes: config.ladderSizes,
      svg,
    });
    const hash = await perceptualHash(decoded);
    if (hash === null) throw new Error(`${path} has no perceptual hash`);
    return hash;
  };
  const hashBytes = async (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return hashFile(path);
  };

  it('finds the edited copies of each photo and keeps distinct pictures apart', { timeout: 180_000 }, async () => {
    const originals = new Map<string, string>();
    const copies: { photo: string; edit: string; distance: number; hash: string }[] = [];
    const shifted: number[] = [];
    for (const photo of photos) {
      const path = `${corpusDir}valid/${photo}`;
      const hash = await hashFile(path);
      originals.set(photo, hash);
      // The picture as people see it (oriented, sRGB, on white), which the copies are made from.
      const source = photo.endsWith('.heic')
        ? await heicAsPng(path, Date.now() + 60_000, () => new Error('HEIC decode timed out') as never)
        : path;
      const { data, info } = await sharp(source)
        .autoOrient()
        .toColourspace('srgb')
        .flatten({ background: '#ffffff' })
        .png()
        .toBuffer({ resolveWithObject: true });
      for (const [edit, apply] of Object.entries(edits)) {
        const copy = await hashBytes(`${photo}.${edit}`, await apply(sharp(data), info.width, info.height).toBuffer());
        copies.push({ photo, edit, hash: copy, distance: hammingDistance(hash, copy) });
      }
      shifted.push(
        hammingDistance(hash, await hashBytes(`${photo}.shifted`, await shiftedCrop(sharp(data), info.width, info.height).toBuffer())),
      );
    }
    for (const graphic of graphics) originals.set(graphic, await hashFile(`${corpusDir}valid/${graphic}`));

    // Distinct pairs: every two different pictures, and every copy against every other picture.
    const distinct: number[] = [];
    const names = [...originals.keys()];
    for (const [index, a] of names.entries())
      for (const b of names.slice(index + 1)) distinct.push(hammingDistance(originals.get(a) ?? '', originals.get(b) ?? ''));
    for (const copy of copies)
      for (const [name, hash] of originals) if (name !== copy.photo) distinct.push(hammingDistance(copy.hash, hash));

    const rate = (values: readonly number[], within: number) => values.filter((value) => value <= within).length / values.length;
    const lines = [`perceptual hash on ${photos.length} corpus photos (+${graphics.length} graphics as distinct pictures):`];
    lines.push('distance | ' + Object.keys(edits).join(' | ') + ' | all copies found | distinct pairs flagged | shifted 5 % crop found');
    for (const within of [6, 8, 10, 12, 14]) {
      const perEdit = Object.keys(edits).map((edit) =>
        percent(
          rate(
            copies.filter((copy) => copy.edit === edit).map((copy) => copy.distance),
            within,
          ),
        ),
      );
      lines.push(
        `${within}${within === distance ? ' (default)' : ''} | ${perEdit.join(' | ')} | ${percent(
          rate(
            copies.map((copy) => copy.distance),
            within,
          ),
        )} | ${percent(rate(distinct, within), 2)} of ${distinct.length} | ${percent(rate(shifted, within))}`,
      );
    }
    lines.push(`largest copy distance ${Math.max(...copies.map((copy) => copy.distance))}; nearest distinct pair ${Math.min(...distinct)}`);
    console.log(lines.join('\n'));

    expect(
      rate(
        copies.map((copy) => copy.distance),
        distance,
      ),
    ).toBeGreaterThanOrEqual(0.9);
    expect(rate(distinct, distance)).toBeLessThanOrEqual(0.01);
    // Each kind of copy is found for most photos, not only on average.
    for (const edit of Object.keys(edits))
      expect(
        rate(
          copies.filter((copy) => copy.edit === edit).map((copy) => copy.distance),
          distance,
        ),
        edit,
      ).toBeGreaterThanOrEqual(0.8);
  });
});

function percent(value: number, digits = 0): string {
  return `${(value * 100).toFixed(digits)} %`;
}
