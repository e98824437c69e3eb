import { fail } from '../../core/errors.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import { canAnimate } from './encoder-settings.ts';
import { vectorScale } from './geometry.ts';
import type { RenderLimits, SourceHeader, SourceInfo } from './render-types.ts';
import { sourceError } from '../sharp/errors.ts';
import { readHeader } from '../sharp/header.ts';

/** libvips refuses SVG rasters beyond this side. */
const maxSvgSide = 32767;
const maxSvgDensity = 100_000;

/** Reads the source's header only (no pixels); the pixel limit is applied in probeSource, counting frames. */
export async function readSourceHeader(source: Buffer | string): Promise<SourceHeader> {
  const meta = await readHeader(source, (error) => sourceError(error));
  const { format, width, height, autoOrient, pages, hasAlpha, hasProfile, orientation, channels, compression, density, loop, delay } = meta;
  // depth, interlacing and chroma subsampling: what the render's cost estimate needs (render-cost.ts).
  const { depth, isProgressive, chromaSubsampling } = meta;
  return {
    format,
    width,
    height,
    autoOrient,
    pages,
    hasAlpha,
    hasProfile,
    orientation,
    channels,
    compression,
    density,
    loop,
    delay,
    depth,
    isProgressive,
    chromaSubsampling,
  };
}

/**
 * Decides from the source's header what will be decoded: oriented size, frames kept, SVG
 * density. Limits are enforced here, before any decode. `header` is the source's, when the
 * caller already has it (images are immutable, so it can be kept per image).
 */
export async function probeSource(
  source: Buffer | string,
  spec: TransformSpec,
  format: OutputFormat,
  limits: RenderLimits,
  header?: SourceHeader,
): Promise<SourceInfo> {
  const meta = header ?? (await readSourceHeader(source));
  const { width, height } = meta.autoOrient ?? { width: meta.width, height: meta.height };
  if (!width || !height) throw fail('corrupt_image', 'the source image has no dimensions');
  const pages = meta.pages ?? 1;
  // TIFF pages and HEIF items are not an animation: only GIF and WebP frames are kept.
  const animated = pages > 1 && (meta.format === 'gif' || meta.format === 'webp') && canAnimate(format);
  const frames = animated ? pages : 1;
  if (frames > limits.maxFrames) {
    throw fail('image_too_large', `the source has ${frames} frames; at most ${limits.maxFrames} are rendered`);
  }
  const info: SourceInfo = {
    format: meta.format ?? 'unknown',
    width,
    height,
    frames,
    hasAlpha: meta.hasAlpha ?? false,
    hasProfile: meta.hasProfile ?? false,
    needsOrient: (meta.orientation ?? 1) > 1,
    grey: (meta.channels ?? 3) <= 2,
    hevc: meta.compression === 'hevc',
    density: undefined,
    loop: animated ? meta.loop : undefined,
    delay: animated && meta.delay?.length === frames ? meta.delay : undefined,
  };
  checkPixels(info, limits);
  return meta.format === 'svg' ? withVectorDensity(info, meta.density ?? 72, spec, limits) : info;
}

function checkPixels(info: SourceInfo, limits: RenderLimits): void {
  const pixels = info.width * info.height * info.frames;
  if (pixels > limits.maxInputPixels) {
    throw fail('image_too_large', `the source has ${pixels} pixels (width × height × frames); the limit is ${limits.maxInputPixels}`);
  }
}

/** Rasterise SVG at the density that makes the requested size native, within the pixel limits. */
function withVectorDensity(info: SourceInfo, baseDensity: number, spec: TransformSpec, limits: RenderLimits): SourceInfo {
  const wanted = vectorScale(info, spec);
  const cap = Math.min(
    maxSvgSide / Math.max(info.width, info.height),
    Math.sqrt(limits.maxInputPixels / (info.width * info.height)),
    maxSvgDensity / baseDensity,
  );
  const scale = Math.max(1, Math.min(wanted, cap));
  return {
    ...info,
    width: Math.max(1, Math.round(info.width * scale)),
    height: Math.max(1, Math.round(info.height * scale)),
    density: baseDensity * scale,
  };
}
