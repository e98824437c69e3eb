import sharp, { type Sharp } from 'sharp';
import type { OutputFormat } from '../core/transform-spec.ts';
import { applyEncoder } from '../origin/transform/encoder-settings.ts';

/** Corpus files (../shared/corpus, see its manifest.json) the workloads read. */
export const sources = {
  jpeg12mp: 'edge/jpeg_large_12mp_4032x3024.jpg',
  pngAlpha: 'valid/png_rgba_8bit_2048x1536.png',
  gifAnimated: 'valid/gif_animated_loop3.gif',
  /** 6 MP, under the ladder's threshold (2 × 1600): the per-request overhead workloads of issue 20. */
  photo6mp: 'valid/jpeg_baseline_photo_2725x2225.jpg',
} as const;
export type SourceName = keyof typeof sources;

export interface LimitInput {
  data: Buffer;
  /** The watermark's bytes, for the overlay workload. */
  logo: Buffer;
  loop: number | undefined;
  delay: number[] | undefined;
}

export interface Workload {
  name: string;
  source: SourceName;
  /** Pixelfront ops of the k-th variant: k shifts a width by k px, so every k is a new variant. */
  ops(k: number): string;
  /** ipx modifiers doing the same, or undefined when ipx has no equivalent. */
  ipx(k: number): string | undefined;
  /** The same operations in raw sharp, with pixelfront's encoder settings. */
  limit(input: LimitInput, k: number): Promise<Buffer>;
  /** Cold requests per phase relative to the run's base count (AVIF is ~50x slower). */
  weight: number;
  /**
   * Whether the origin's cold renders of this workload should decode a mezzanine (origin/ladder/select.ts
   * at the default LADDER_SIZES): the target against the limit follows from it (bench/targets.ts), and the
   * cold rows' Server-Timing decode tally must agree.
   */
  ladder: boolean;
  /** ipx needs seconds a render here: `--quick` asks it at the lowest concurrency only (options.ts asksIpx). */
  slowIpx?: boolean;
  /**
   * The quality guard's reference (issue 20): the same geometry on the original without
   * shrink-on-load, left unencoded. Only the workloads the guard scores have one.
   */
  reference?: (input: LimitInput, k: number) => Sharp;
}

function encode(
  image: Sharp,
  format: OutputFormat,
  animation?: { loop: number | undefined; delay: number[] | undefined },
): Promise<Buffer> {
  return applyEncoder(image, { format, q: undefined, animation }).toBuffer();
}

/** Logo for `wm_logo`: a translucent badge with alpha, made at run time (no fixture in the repo). */
export async function makeLogo(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><rect x="10" y="10" width="580" height="180" rx="40" fill="#1d4ed8" fill-opacity="0.7"/><circle cx="110" cy="100" r="60" fill="#ffffff"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function overlay(logo: Buffer, width: number, height: number): Promise<{ data: Buffer; width: number; height: number }> {
  const margin = Math.round(Math.min(width, height) * 0.02);
  const { data, info } = await sharp(logo)
    .resize({ width: Math.round(width * 0.2), height: height - 2 * margin, fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** `w_<width>,wm_logo` in raw sharp: the logo at the bottom right, as origin/watermarks places it by default. */
async function watermarked(input: LimitInput, width: number, source: { width: number; height: number }): Promise<Buffer> {
  const height = Math.round((width * source.height) / source.width);
  const logo = await overlay(input.logo, width, height);
  const margin = Math.round(Math.min(width, height) * 0.02);
  const image = sharp(input.data)
    .resize({ width })
    .composite([
      {
        input: logo.data,
        raw: { width: logo.width, height: logo.height, channels: 4 },
        left: width - margin - logo.width,
        top: height - margin - logo.height,
      },
    ]);
  return encode(image, 'jpeg');
}

export const workloads: Workload[] = [
  {
    name: 'jpeg-w800',
    source: 'jpeg12mp',
    ops: (k) => `w_${800 - k}`,
    ipx: (k) => `w_${800 - k},f_jpeg,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 800 - k }), 'jpeg'),
    weight: 1,
    ladder: true,
    reference: (input, k) => sharp(input.data).resize({ width: 800 - k, fastShrinkOnLoad: false }),
  },
  {
    name: 'jpeg-fill-webp',
    source: 'jpeg12mp',
    ops: (k) => `c_fill,w_${400 - k},h_400,f_webp`,
    ipx: (k) => `s_${400 - k}x400,f_webp,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 400 - k, height: 400, fit: 'cover' }), 'webp'),
    weight: 1,
    ladder: true,
    reference: (input, k) => sharp(input.data).resize({ width: 400 - k, height: 400, fit: 'cover', fastShrinkOnLoad: false }),
  },
  {
    name: 'jpeg-avif',
    source: 'jpeg12mp',
    ops: (k) => `w_${1200 - k},f_avif`,
    ipx: (k) => `w_${1200 - k},f_avif`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 1200 - k }), 'avif'),
    weight: 0.12,
    // 1200 px needs 2 × that across the region: more than the 1600 px mezzanine holds.
    ladder: false,
    slowIpx: true,
  },
  {
    name: 'png-webp',
    source: 'pngAlpha',
    ops: (k) => `w_${600 - k},f_webp`,
    ipx: (k) => `w_${600 - k},f_webp,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 600 - k }), 'webp'),
    weight: 1,
    // 2048 px is under 2 × the rung: no mezzanine.
    ladder: false,
  },
  {
    name: 'jpeg-watermark',
    source: 'jpeg12mp',
    ops: (k) => `w_${800 - k},wm_logo`,
    ipx: () => undefined,
    limit: (input, k) => watermarked(input, 800 - k, { width: 4032, height: 3024 }),
    weight: 1,
    ladder: true,
  },
  {
    name: 'gif-webp',
    source: 'gifAnimated',
    ops: (k) => `w_${300 - k},f_webp`,
    ipx: (k) => `animated,w_${300 - k},f_webp,q_80`,
    limit: (input, k) =>
      encode(sharp(input.data, { animated: true }).resize({ width: 300 - k }), 'webp', {
        loop: input.loop,
        delay: input.delay,
      }),
    // Four blocks of distinct widths must stay above 0 px: 4 × 48 < 300.
    weight: 0.6,
    // Animated: always the original.
    ladder: false,
  },
  {
    // Issue 20's per-request overhead: a source decoded at 1/4 scale, so HTTP, storage and catalog weigh most.
    name: 'photo-w600',
    source: 'photo6mp',
    ops: (k) => `w_${600 - k}`,
    ipx: (k) => `w_${600 - k},f_jpeg,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 600 - k }), 'jpeg'),
    weight: 1,
    // 2725 px is under 2 × 1600: no mezzanine.
    ladder: false,
  },
  {
    // The watermark on a source under the ladder threshold (issue 20's "workloads the ladder does not serve").
    name: 'photo-watermark',
    source: 'photo6mp',
    ops: (k) => `w_${600 - k},wm_logo`,
    ipx: () => undefined,
    limit: (input, k) => watermarked(input, 600 - k, { width: 2725, height: 2225 }),
    weight: 1,
    ladder: false,
  },
];
