import type { Sharp } from 'sharp';
import type { OutputFormat } from '../../core/transform-spec.ts';
import { mediaTypes } from '../media-types.ts';
import { JXL_EFFORT, JXL_QUALITY } from '../jxl/settings.ts';

/**
 * Encoder settings, chosen for render latency first (measured on this 2-core box, 2725x2225 JPEG
 * resized to 1600 wide): see the README's render section for the numbers behind each choice.
 */

/** Every output format is also a stored format: one table of media types serves both. */
export const contentTypes: Record<OutputFormat, string> = mediaTypes;

/** Outputs that can carry an animation. */
export function canAnimate(format: OutputFormat): boolean {
  return format === 'webp' || format === 'gif';
}

/** Quality when the URL has no `q`; `q_auto` searches around it (origin/transform/auto-quality/). */
export const defaultQuality = { jpeg: 80, webp: 80, avif: 50 } as const;
/** The formats whose encoder takes a quality that trades bytes for fidelity. */
export type LossyFormat = keyof typeof defaultQuality;

export function isLossy(format: OutputFormat): format is LossyFormat {
  return Object.hasOwn(defaultQuality, format);
}

export const encoderEffort = { webp: 2, avif: 2, jxl: JXL_EFFORT, gif: 3, pngCompression: 6 } as const;

export interface EncodeOptions {
  format: OutputFormat;
  /** A number from the URL or chosen by `q_auto`; undefined is the per-format default. */
  q: number | undefined;
  /** JPEG only: progressive scans (`fl_progressive` or JPEG_PROGRESSIVE); baseline when absent. */
  progressive?: boolean;
  animation: { loop: number | undefined; delay: number[] | undefined } | undefined;
}

export function applyEncoder(image: Sharp, options: EncodeOptions): Sharp {
  const { format, q } = options;
  const animation = options.animation ? animationOptions(options.animation) : {};
  switch (format) {
    case 'jpeg':
      // mozjpeg trellis quantisation costs ~3x the encode time for ~20% fewer bytes: off. Baseline
      // by default, because progressive scans cost ~10% more time and decode memory for ~2% fewer
      // bytes; `fl_progressive` or JPEG_PROGRESSIVE ask for them (a picture that sharpens as it loads).
      return image.jpeg({
        quality: q ?? defaultQuality.jpeg,
        mozjpeg: false,
        progressive: options.progressive === true,
        optimiseCoding: true,
        chromaSubsampling: '4:2:0',
      });
    case 'webp':
      return image.webp({ quality: q ?? defaultQuality.webp, effort: encoderEffort.webp, ...animation });
    case 'avif':
      return image.avif({ quality: q ?? defaultQuality.avif, effort: encoderEffort.avif, chromaSubsampling: '4:2:0' });
    case 'jxl':
      // sharp has no JPEG XL encoder: it renders sRGB RGBA, which the WebAssembly encoder takes (steps/encode.ts).
      return image.toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' });
    case 'png':
      // An explicit q makes the PNG lossy: palette quantisation at that quality. Otherwise lossless.
      return typeof q === 'number'
        ? image.png({ palette: true, quality: q, effort: 3, compressionLevel: encoderEffort.pngCompression })
        : image.png({ compressionLevel: encoderEffort.pngCompression, adaptiveFiltering: false });
    case 'gif':
      // q scales the palette size: q_100 keeps 256 colours, q_50 128.
      return image.gif({
        effort: encoderEffort.gif,
        colours: typeof q === 'number' ? Math.max(2, Math.round((256 * q) / 100)) : 256,
        ...animation,
      });
  }
}

/** libjxl's quality (its distance follows from it) and effort; its default is the SSIM WebP's default reaches (bench/README.md). */
export function jxlSettings(q: number | undefined): { quality: number; effort: number } {
  return { quality: q ?? JXL_QUALITY, effort: encoderEffort.jxl };
}

function animationOptions(animation: { loop: number | undefined; delay: number[] | undefined }): { loop?: number; delay?: number[] } {
  return {
    ...(animation.loop === undefined ? {} : { loop: animation.loop }),
    ...(animation.delay === undefined ? {} : { delay: animation.delay }),
  };
}
