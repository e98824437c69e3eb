/**
 * Issue 19, JPEG XL output: over the corpus photos, each rendered to 800 px by the origin's own
 * render() as lossless PNG (the unencoded resized image), then every encoder on those same pixels
 * at a ladder of qualities: WebP and AVIF through sharp at the origin's efforts, JPEG XL through
 * the origin's worker pool (origin/jxl/) at each effort considered. Each output is decoded and
 * scored with the SSIM q_auto uses, so bytes compare at equal SSIM (bench/jxl-report.ts
 * interpolates each format's bytes at the SSIM WebP's default quality reaches on that photo) and
 * encode time is the encoder's alone, per output megapixel. Encodes run one at a time, side by
 * side photo by photo, so load on this shared host weighs on every format alike.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { fail } from '../../core/errors.ts';
import type { TransformSpec } from '../../core/transform-spec.ts';
import { JxlEncoderPool } from '../../origin/jxl/encoder-pool.ts';
import { JXL_EFFORT } from '../../origin/jxl/settings.ts';
import { defaultQuality, encoderEffort } from '../../origin/transform/encoder-settings.ts';
import { render } from '../../origin/transform/render.ts';
import { decodeJxl } from '../../test/helpers/jxl.ts';
import { qAutoPhotos, qAutoWidth } from './q-auto.ts';

export type JxlBenchFormat = 'webp' | 'avif' | 'jxl';

export interface JxlSample {
  photo: string;
  format: JxlBenchFormat;
  quality: number;
  effort: number;
  bytes: number;
  /** SSIM against the unencoded resized image. */
  score: number;
  /** Encode time per output megapixel. */
  msPerMp: number;
}

/** Qualities swept per format: each encoder's own scale, wide enough to bracket WebP q80's SSIM. */
export const qualityLadders: Record<JxlBenchFormat, readonly number[]> = {
  webp: [60, 70, 80, 88, 94],
  avif: [35, 42, 50, 58, 66, 74],
  jxl: [50, 60, 70, 75, 80, 85, 90],
};
/** JPEG XL efforts compared (the pool's effort runs the whole ladder, the others `otherEffortLadder`). */
export const jxlEfforts = [1, 3, 5, 7] as const;
const otherEffortLadder = [70, 80, 90] as const;

/**
 * The q_auto scenario's photos but the two 12 MP ones, which at 800 px add nothing the 2725 × 2225
 * photo does not and whose decodes double the run on this shared host.
 */
const jxlPhotos = qAutoPhotos.filter((photo) => !photo.startsWith('edge/'));

const limits = { maxInputPixels: 100_000_000, maxFrames: 1, timeoutMs: 120_000, maxOutputDimension: 8192, maxOutputPixels: 40_000_000 };

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

async function rgba(image: Buffer) {
  const { data, info } = await sharp(image)
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
}

async function encodeWithSharp(raw: Raw, format: 'webp' | 'avif', quality: number): Promise<Buffer> {
  const image = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 4 } }).removeAlpha();
  return format === 'webp'
    ? image.webp({ quality, effort: encoderEffort.webp }).toBuffer()
    : image.avif({ quality, effort: encoderEffort.avif, chromaSubsampling: '4:2:0' }).toBuffer();
}

export async function measureJxl(corpus: string, quick: boolean, log: (line: string) => void): Promise<JxlSample[]> {
  const pool = new JxlEncoderPool(1);
  const samples: JxlSample[] = [];
  try {
    // The pool's first encodes run while V8 tiers the module up: warm it before timing anything.
    const warm = Buffer.alloc(256 * 256 * 4, 128);
    for (let round = 0; round < 3; round += 1) {
      await pool.encode({ rgba: warm, width: 256, height: 256, quality: 75, effort: 3 }, Date.now() + 60_000, () =>
        fail('unavailable', 'warm-up'),
      );
    }
    for (const photo of quick ? qAutoPhotos.slice(0, 2) : jxlPhotos) {
      const source = await readFile(join(corpus, photo));
      const { width = 0 } = await sharp(source)
        .metadata()
        .catch(() => ({ width: 0 }));
      const spec: TransformSpec = width > 0 && width <= qAutoWidth ? {} : { w: qAutoWidth };
      const png = (await render({ source, spec, format: 'png', limits })).data;
      const reference = await rgba(png);
      const raw: Raw = { data: Buffer.from(reference.data.buffer), width: reference.width, height: reference.height };
      const megapixels = (raw.width * raw.height) / 1_000_000;
      const score = async (decoded: Buffer) => ssim(reference, await rgba(decoded), { ssim: 'bezkrovny', downsample: false }).mssim;
      const record = (format: JxlBenchFormat, quality: number, effort: number, bytes: Buffer, ms: number, decoded: Buffer) =>
        score(decoded).then((value) => {
          samples.push({ photo, format, quality, effort, bytes: bytes.length, score: value, msPerMp: ms / megapixels });
        });
      for (const format of ['webp', 'avif'] as const) {
        for (const quality of qualityLadders[format]) {
          const started = performance.now();
          const output = await encodeWithSharp(raw, format, quality);
          await record(format, quality, encoderEffort[format], output, performance.now() - started, output);
        }
      }
      for (const effort of jxlEfforts) {
        // The full ladder at the pool's effort; the others (up to 7 × slower) at three rungs around it.
        const ladder = effort === JXL_EFFORT ? qualityLadders.jxl : otherEffortLadder;
        for (const quality of ladder) {
          const started = performance.now();
          const output = await pool.encode(
            { rgba: Buffer.from(raw.data), width: raw.width, height: raw.height, quality, effort },
            Date.now() + 120_000,
            () => fail('unavailable', 'bench encode deadline'),
          );
          const ms = performance.now() - started;
          await record('jxl', quality, effort, output, ms, (await decodeJxl(output)).png);
        }
      }
      log(`jxl: ${photo} done (${raw.width}x${raw.height}; WebP q${defaultQuality.webp} is the SSIM to match)`);
    }
  } finally {
    await pool.close();
  }
  return samples;
}
