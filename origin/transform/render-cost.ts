import { qualityLevel } from '../../core/grammar/quality.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import { regionNeeded } from '../ladder/select.ts';
import { isLossy } from './encoder-settings.ts';
import { planGeometry, type GeometryPlan } from './geometry.ts';
import { checkOutputSize } from './output-limits.ts';
import type { RenderLimits, SourceHeader, SourceInfo } from './render-types.ts';

/**
 * What one render is estimated to cost, from the source's header and the spec alone (nothing is
 * decoded): its working set in bytes, for the memory budget (`RENDER_MEMORY_MB`), and its time,
 * for the wait a queued request is told. SPEC section 8: a source libvips reads sequentially
 * counts its decode window, not the whole image; the output canvas and the effects count on top.
 *
 * The constants were measured on the 2-core host (shared with other work at the time) as the
 * rise of peak RSS (VmHWM) over one render in a fresh process, sharp at the origin's settings;
 * the table is in the README (Rendering → Render admission). They round up: an estimate that is a
 * little high costs a little parallelism, one that is low costs memory.
 */
export interface RenderCost {
  bytes: number;
  ms: number;
}

/** A render's cost with the encode's share of its time apart: f_auto's fast-first compares it with FAST_FIRST_MS. */
export interface RenderEstimate extends RenderCost {
  /** The output's encode, with q_auto's extra probe encodes and scores. */
  encodeMs: number;
}

const MiB = 1024 * 1024;
const MP = 1_000_000;

/** Every render: libvips' per-pipeline buffers and thread state (a 12 MP JPEG at w_800 rose 8 MiB). */
const baseBytes = 8 * MiB;
const baseMs = 5;

/**
 * Rows of the source a sequential PNG or TIFF decode holds: peak RSS grew with the source's
 * width, not its height (6000 px wide: 31–40 MiB from 2000 to 9000 rows; 2000 px wide: 13–20).
 */
const windowRows = 2048;
/** PNG output streams too: the 6000 × 6000 pad to PNG rose 7 MiB, as little as any render. */
const pngOutputRows = 256;

/**
 * Bytes per decoded pixel of sources that are held whole whatever the access: libheif (AVIF,
 * HEIF: 208 MiB for a 12 MP AVIF at w_800), libheif in WebAssembly for HEVC (167 MiB for the 12 MP
 * iPhone HEIC), libwebp (232 MiB for a 27 MP WebP decoded at full size, 63 MiB at half).
 */
const wholeDecodeBytesPerPixel = { heif: 17, hevc: 14, webp: 8.5 } as const;

/**
 * Output bytes per canvas pixel while encoding, the canvas itself included. JPEG keeps every
 * coefficient for its optimised Huffman pass (a 6000 × 6000 pad: 212 MiB); WebP and AVIF encode
 * whole pictures (164 and 482 MiB for that pad, AVIF 258 MiB for the 12 MP photo); GIF quantises
 * the whole frame (91 MiB at 3000 × 3000). PNG streams: its 6000 × 6000 pad rose 7 MiB. JPEG XL:
 * the RGBA canvas, its copy for the worker and libjxl's WebAssembly heap (a 20 MP encode rose
 * 1.3 GB, origin/jxl/settings.ts).
 */
const encodeBytesPerPixel: Record<OutputFormat, number> = { jpeg: 6, webp: 4.5, avif: 20, jxl: 65, gif: 10, png: 0 };

/**
 * Encode time per output megapixel, and AVIF's start-up (a 0.5 MP AVIF took 0.7 s, 12 MP 5.2 s).
 * JPEG XL at effort 3 in WebAssembly: 210–380 ms/MP (README, JPEG XL output). The start-up grows
 * with the picture up to `avifStartMp`: encoding alone (sharp, the origin's settings, one thread,
 * a loaded 2-core host) took 10–15 ms at 0.011 MP, 82–97 ms at 0.12 MP and 361–425 ms at 0.48 MP,
 * where a fixed 400 ms told f_auto's fast-first (FAST_FIRST_MS) that a 120 px AVIF was slow.
 */
const encodeMsPerMp: Record<OutputFormat, number> = { jpeg: 20, webp: 50, avif: 420, jxl: 400, gif: 600, png: 80 };
const avifStartMs = 400;
const avifStartMp = 0.5;
/**
 * The padded part of a `c_pad` canvas is one colour, which some encoders pass over much faster
 * (a flat 6000 × 6000 pad: AVIF 2.5 s = 70 ms/MP, PNG 0.2 s, GIF 40 ms/MP; JPEG and WebP as for a
 * photo). Without this, 8 such pads at once were told waits of 15 s each and 5 of them refused,
 * though each took about a second.
 */
const flatEncodeMsPerMp: Record<OutputFormat, number> = { jpeg: 20, webp: 50, avif: 70, jxl: 400, gif: 40, png: 5 };

/**
 * Decode time per megapixel of the source (JPEG and WebP read every byte whatever they shrink to;
 * a JPEG's inverse DCT gets cheaper with the shrink, a progressive one took 3 × as long).
 */
const decodeMsPerMp: Record<string, number> = { jpeg: 12, png: 30, webp: 16, tiff: 40, gif: 20, heif: 120, hevc: 300, svg: 20 };
const progressiveJpegSlowdown = 3;
const otherDecodeMsPerMp = 40;

/**
 * Blur: a float copy of the picture plus a window as tall as the mask (3σ each side); time grows
 * with σ (12 MP at σ 10, 50, 100: +30, +34, +41 MiB and +0.47, +1.15, +2.1 s).
 */
const blurBytesPerPixel = 2.5;
const blurMsPerMp = (sigma: number) => 25 + 1.5 * sigma;
const sharpenMsPerMp = 45;

/**
 * `q_auto` on a still lossy output (origin/transform/auto-quality/): the output is materialised,
 * encoded three times and each encode decoded and scored by SSIM on a worker thread at up to
 * 1 MP. Measured on the 12 MP photo: w_800 JPEG +61 MiB and 3.5 × the time of a fixed quality
 * (the worker's own heap most of it), w_4032 JPEG +262 MiB, WebP +200 MiB, w_2000 AVIF +158 to +185 MiB.
 */
const autoQualityBaseBytes = 56 * MiB;
const autoQualityBytesPerPixel = 24;
const autoQualityStartMs = 100;
/** Per probe: scoring at up to 1 MP, and decoding the probe's output. */
const autoQualityScoreMs = 300;
const autoQualityDecodeMsPerMp = 15;
const autoQualityProbes = 3;

export interface CostInput {
  /** The header of the bytes that will be decoded (the original or the mezzanine). */
  header: SourceHeader;
  /** The probe's reading of it (oriented size, frames kept, SVG raster size). */
  info: SourceInfo;
  spec: TransformSpec;
  format: OutputFormat;
  /** The original's oriented size when `info` is a mezzanine: the plan is made on it. */
  original?: { width: number; height: number } | undefined;
  limits: Pick<RenderLimits, 'maxOutputDimension' | 'maxOutputPixels'>;
}

/**
 * The estimate for one render. Plans the geometry as the render will, so an output over the
 * output limits is refused here (400), before the render waits for admission.
 */
export function estimateRenderCost(input: CostInput): RenderEstimate {
  const { info, spec, format } = input;
  const planned = input.original ?? info;
  const plan = planGeometry(planned, spec, { animated: info.frames > 1, maxOutputDimension: input.limits.maxOutputDimension });
  checkOutputSize(plan, info.frames, input.limits, format);
  const decode = decodeCost(input, plan);
  const output = outputCost(plan, info.frames, format, input.header);
  const search = autoQualityCost(spec, plan, info.frames, format, output);
  const effects = effectCost(spec, plan, info.frames, bands(input.header));
  const parts = [decode, output, search, effects];
  return {
    bytes: Math.ceil(baseBytes + parts.reduce((sum, part) => sum + part.bytes, 0)),
    ms: baseMs + parts.reduce((sum, part) => sum + part.ms, 0),
    encodeMs: output.ms + search.ms,
  };
}

/**
 * The decode: shrink-on-load (JPEG, WebP) by the largest power of two up to 8 that still leaves
 * twice the output's resolution (sharp may shrink more; rounding down keeps the estimate high),
 * then what the decoder holds of the shrunk image.
 */
function decodeCost(input: CostInput, plan: GeometryPlan): RenderCost {
  const { header, info } = input;
  const sourceMp = (info.width * info.height * info.frames) / MP;
  const kind = decoderKind(header);
  const shrink = kind === 'jpeg' || kind === 'webp' ? shrinkOnLoad(input, plan) : 1;
  const width = Math.ceil(info.width / shrink);
  const height = Math.ceil(info.height / shrink);
  const row = width * bands(header) * bytesPerSample(header);
  const whole = row * height * info.frames;
  // A quarter of a JPEG's decode is entropy decoding, which no shrink saves.
  const perMp = (decodeMsPerMp[kind] ?? otherDecodeMsPerMp) * (kind === 'jpeg' ? 0.25 + 0.75 / shrink : 1);
  const slowdown = kind === 'jpeg' && header.isProgressive ? progressiveJpegSlowdown : 1;
  const ms = sourceMp * perMp * slowdown * bytesPerSample(header);
  switch (kind) {
    case 'jpeg':
      // A baseline JPEG came within ~25 % of its whole decoded size; a progressive one keeps
      // every coefficient of the unshrunk image (2 bytes each) until its last scan.
      return { bytes: whole + (header.isProgressive ? coefficientBytes(header, info) : 0), ms };
    case 'png':
      // An interlaced PNG is decoded whole before its first row is handed on (27 MP: 105 MiB).
      if (header.isProgressive || info.frames > 1) return { bytes: whole + Math.min(whole, row * windowRows), ms };
      return { bytes: Math.min(whole, row * windowRows), ms };
    case 'tiff':
      return { bytes: Math.min(whole, row * windowRows * info.frames), ms };
    case 'heif':
    case 'hevc':
    case 'webp':
      return { bytes: width * height * info.frames * wholeDecodeBytesPerPixel[kind], ms };
    case 'gif':
    case 'svg':
      // libnsgif composes every frame on an RGBA canvas; librsvg draws the whole raster (at the density chosen).
      return { bytes: width * height * info.frames * 4, ms };
    case 'other':
      return { bytes: whole, ms };
  }
}

type DecoderKind = 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif' | 'svg' | 'heif' | 'hevc' | 'other';

const decoders: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'svg']);

function decoderKind(header: SourceHeader): DecoderKind {
  if (header.format === 'heif') return header.compression === 'hevc' ? 'hevc' : 'heif';
  return header.format !== undefined && decoders.has(header.format) ? (header.format as DecoderKind) : 'other';
}

function shrinkOnLoad(input: CostInput, plan: GeometryPlan): number {
  // An extract before the first resize (a crop, a mezzanine region) turns shrink-on-load off.
  const firstResize = plan.ops.findIndex((op) => op.op === 'resize');
  if (firstResize !== 0 || input.info.frames > 1) return 1;
  const planned = input.original ?? input.info;
  const { region, output } = regionNeeded(planned, plan);
  const across = (region.width * input.info.width) / planned.width / output.width;
  const down = (region.height * input.info.height) / planned.height / output.height;
  const room = Math.min(across, down) / 2;
  let shrink = 1;
  while (shrink < 8 && shrink * 2 <= room) shrink *= 2;
  return shrink;
}

/** 64 coefficients of 2 bytes per 8 × 8 block and component; chroma subsampled per the header. */
function coefficientBytes(header: SourceHeader, info: SourceInfo): number {
  const components = header.chromaSubsampling === '4:2:0' ? 1.5 : header.chromaSubsampling === '4:2:2' ? 2 : bands(header);
  return info.width * info.height * components * 2;
}

/** The encode, over the canvas (after dpr, crop and pad) and every frame. */
function outputCost(plan: GeometryPlan, frames: number, format: OutputFormat, header: SourceHeader): RenderCost {
  const canvas = plan.pad ?? plan;
  const pixels = canvas.width * canvas.height * frames;
  const picture = Math.min(pixels, plan.width * plan.height * frames);
  // PNG streams: a few rows of the canvas.
  const window = format === 'png' ? canvas.width * Math.min(canvas.height, pngOutputRows) * Math.max(3, bands(header)) : 0;
  return {
    bytes: pixels * encodeBytesPerPixel[format] + window,
    ms:
      (picture / MP) * encodeMsPerMp[format] +
      ((pixels - picture) / MP) * flatEncodeMsPerMp[format] +
      (format === 'avif' ? avifStartMs * Math.min(1, pixels / MP / avifStartMp) : 0),
  };
}

/** What `q_auto`'s search adds to one encode: its other two encodes, three decodes and scores, the worker. */
function autoQualityCost(spec: TransformSpec, plan: GeometryPlan, frames: number, format: OutputFormat, encode: RenderCost): RenderCost {
  if (qualityLevel(spec.q) === undefined || !isLossy(format) || frames > 1) return { bytes: 0, ms: 0 };
  const canvas = plan.pad ?? plan;
  const megapixels = (canvas.width * canvas.height) / MP;
  return {
    // The encoder's own buffers come back with each probe (AVIF at 3 MP: +158 to +185 MiB).
    bytes: autoQualityBaseBytes + canvas.width * canvas.height * (autoQualityBytesPerPixel + encodeBytesPerPixel[format]),
    ms:
      autoQualityStartMs +
      (autoQualityProbes - 1) * encode.ms +
      autoQualityProbes * (autoQualityScoreMs * Math.min(1, megapixels) + autoQualityDecodeMsPerMp * megapixels),
  };
}

/** Effects and whole-image steps, on the image after crop/resize (before pad). */
function effectCost(spec: TransformSpec, plan: GeometryPlan, frames: number, sourceBands: number): RenderCost {
  const pixels = plan.width * plan.height * frames;
  const channels = Math.max(3, sourceBands);
  let bytes = 0;
  let ms = 0;
  for (const effect of spec.e ?? []) {
    if (effect.name === 'blur') {
      bytes += pixels * blurBytesPerPixel + plan.width * channels * 4 * Math.ceil(6 * effect.sigma);
      ms += (pixels / MP) * blurMsPerMp(effect.sigma);
    } else if (effect.name === 'sharpen') {
      ms += (pixels / MP) * sharpenMsPerMp;
    }
  }
  // A turn needs random access: the turned image is held whole (+32 MiB for 12 MP at a_90).
  if (spec.a !== undefined) bytes += pixels * channels;
  // The overlay, decoded to RGBA at its share of the output width (its height is the watermark's).
  if (spec.wm) bytes += (plan.pad ?? plan).width * (plan.pad ?? plan).height * 4 * (spec.wm.scale / 100);
  return { bytes, ms };
}

function bands(header: SourceHeader): number {
  return header.channels ?? (header.hasAlpha ? 4 : 3);
}

/** libvips band formats, as sharp names them in `depth`. */
const sampleBytes: Record<string, number> = {
  char: 1,
  uchar: 1,
  short: 2,
  ushort: 2,
  int: 4,
  uint: 4,
  float: 4,
  double: 8,
  complex: 8,
  dpcomplex: 16,
};

function bytesPerSample(header: SourceHeader): number {
  return sampleBytes[header.depth ?? 'uchar'] ?? 1;
}
