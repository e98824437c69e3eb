/**
 * Issue 19, content-aware quality: over the corpus photos, each lossy format at its default
 * quality and at `q_auto:eco`, `q_auto` (good) and `q_auto:best`, rendered in this process by
 * the origin's own render() (the cold render without HTTP or storage), scored with the same SSIM
 * as the search against the same spec rendered losslessly (PNG: the unencoded resized image).
 * A photo's variants are rendered one after the other (default, eco, good, best, each in the
 * three formats), so the extra time of a level is taken beside its default on this shared host.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import type { AutoQuality, QualityLevel, TransformSpec } from '../../core/transform-spec.ts';
import type { LossyFormat } from '../../origin/transform/encoder-settings.ts';
import { render } from '../../origin/transform/render.ts';

/**
 * The corpus photos: every JPEG, WebP, AVIF, HEIC and TIFF photograph of `valid/` (one of the
 * eight EXIF-orientation copies; not the CMYK TIFF, a flat colour that scores 1.0 at any
 * quality) and the two 12 MP photos of `edge/`. `--quick` takes the first four.
 */
export const qAutoPhotos = [
  'valid/jpeg_baseline_photo_2725x2225.jpg',
  'valid/webp_lossy_1024x772.webp',
  'valid/avif_yuv_800x533.avif',
  'valid/heic_1280x854.heic',
  'valid/jpeg_progressive_cat_icc.jpg',
  'valid/jpeg_cmyk_with_icc.jpg',
  'valid/jpeg_icc_exif_flower.jpg',
  'valid/jpeg_greyscale_concert.jpg',
  'valid/jpeg_exif_orientation_1_landscape.jpg',
  'valid/tiff_rgb_16bit_photoshop.tiff',
  'edge/jpeg_large_12mp_4032x3024.jpg',
  'edge/avif_large_12mp_3024x4032.avif',
] as const;

export const qAutoFormats = ['jpeg', 'webp', 'avif'] as const satisfies readonly LossyFormat[];
export type QAutoVariant = 'default' | QualityLevel;
const variants: [QAutoVariant, AutoQuality | undefined][] = [
  ['default', undefined],
  ['eco', 'auto:eco'],
  ['good', 'auto'],
  ['best', 'auto:best'],
];

/** The width the photos are rendered at (their own when narrower). */
export const qAutoWidth = 800;

export interface QAutoSample {
  photo: string;
  format: LossyFormat;
  variant: QAutoVariant;
  bytes: number;
  score: number;
  /** The quality q_auto chose (undefined for the default). */
  quality: number | undefined;
  ms: number;
}

const limits = { maxInputPixels: 100_000_000, maxFrames: 1, timeoutMs: 120_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };

async function rgba(image: Buffer) {
  const { data, info } = await sharp(image)
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
}

export async function measureQAuto(corpus: string, quick: boolean, log: (line: string) => void): Promise<QAutoSample[]> {
  const samples: QAutoSample[] = [];
  for (const photo of quick ? qAutoPhotos.slice(0, 4) : qAutoPhotos) {
    const source = await readFile(join(corpus, photo));
    const { width = 0 } = await sharp(source)
      .metadata()
      .catch(() => ({ width: 0 }));
    // HEIC: sharp cannot read its header here; its 1280 px are wider than 800 anyway.
    const base: TransformSpec = width > 0 && width <= qAutoWidth ? {} : { w: qAutoWidth };
    const reference = await rgba((await render({ source, spec: base, format: 'png', limits })).data);
    for (const [variant, q] of variants) {
      for (const format of qAutoFormats) {
        const started = performance.now();
        const result = await render({ source, spec: q === undefined ? base : { ...base, q }, format, limits });
        const ms = performance.now() - started;
        const { mssim } = ssim(reference, await rgba(result.data), { ssim: 'bezkrovny', downsample: false });
        samples.push({ photo, format, variant, bytes: result.data.length, score: mssim, quality: result.quality, ms });
      }
    }
    log(`q-auto: ${photo} done`);
  }
  return samples;
}
