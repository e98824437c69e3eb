import sharp, { type Sharp } from 'sharp';
import type { OutputFormat } from '../core/transform-spec.ts';
import { applyEncoder } from '../origin/transform/encoder-settings.ts';

/** Corpus files (../shared/corpus, see its manifest.json) the workloads read. */
export const sources = {
  jpeg12mp: 'edge/jpeg_large_12mp_4032x3024.jpg',
  pngAlpha: 'valid/png_rgba_8bit_2048x1536.png',
  gifAnimated: 'valid/gif_animated_loop3.gif',
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

export const workloads: Workload[] = [
  {
    name: 'jpeg-w800',
    source: 'jpeg12mp',
    ops: (k) => `w_${800 - k}`,
    ipx: (k) => `w_${800 - k},f_jpeg,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 800 - k }), 'jpeg'),
    weight: 1,
  },
  {
    name: 'jpeg-fill-webp',
    source: 'jpeg12mp',
    ops: (k) => `c_fill,w_${400 - k},h_400,f_webp`,
    ipx: (k) => `s_${400 - k}x400,f_webp,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 400 - k, height: 400, fit: 'cover' }), 'webp'),
    weight: 1,
  },
  {
    name: 'jpeg-avif',
    source: 'jpeg12mp',
    ops: (k) => `w_${1200 - k},f_avif`,
    ipx: (k) => `w_${1200 - k},f_avif`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 1200 - k }), 'avif'),
    weight: 0.12,
  },
  {
    name: 'png-webp',
    source: 'pngAlpha',
    ops: (k) => `w_${600 - k},f_webp`,
    ipx: (k) => `w_${600 - k},f_webp,q_80`,
    limit: (input, k) => encode(sharp(input.data).resize({ width: 600 - k }), 'webp'),
    weight: 1,
  },
  {
    name: 'jpeg-watermark',
    source: 'jpeg12mp',
    ops: (k) => `w_${800 - k},wm_logo`,
    ipx: () => undefined,
    limit: async (input, k) => {
      const width = 800 - k;
      const height = Math.round((width * 3024) / 4032);
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
    },
    weight: 1,
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
  },
];
