import type { Metadata, Sharp } from 'sharp';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';

/** Source limits checked from the header before any pixel is decoded, and the render deadline. */
export interface RenderLimits {
  /** width × height × frames of the source (or of the SVG raster) */
  maxInputPixels: number;
  /** frames of an animated source kept in an animated output */
  maxFrames: number;
  /** wall-clock budget of one render */
  timeoutMs: number;
  /** longest output side (`MAX_OUTPUT_DIMENSION`): a side the box leaves open is fitted inside it */
  maxOutputDimension: number;
  /** output canvas after dpr, pad and crop, width × height × frames (`MAX_OUTPUT_PIXELS`) */
  maxOutputPixels: number;
}

export interface RenderInput {
  /** The original's bytes, or a path to them. */
  source: Buffer | string;
  /** Parsed, canonical spec (core/). */
  spec: TransformSpec;
  /** Concrete output format: `f_auto` is resolved by the caller. */
  format: OutputFormat;
  /** The source's header, when the caller keeps it per image; read from `source` otherwise. */
  header?: SourceHeader | undefined;
  /**
   * Set when `source` is a mezzanine (oriented sRGB, origin/ladder/): the original's oriented size,
   * on which the geometry is planned before it is replayed on the mezzanine.
   */
  original?: { width: number; height: number } | undefined;
  /** The tenant's watermark bytes by name; null when there is none. */
  loadWatermark?: (name: string) => Promise<Buffer | null>;
  limits: RenderLimits;
}

export interface RenderResult {
  data: Buffer;
  format: OutputFormat;
  contentType: string;
  width: number;
  /** Height of one frame. */
  height: number;
  frames: number;
  /** The encoder quality `q_auto` chose (absent for every other `q`). */
  quality?: number;
  /** Milliseconds per stage, for Server-Timing. */
  timings: Record<string, number>;
}

/** What the header of the source told us (after EXIF orientation, SVG density and frame choice). */
export interface SourceInfo {
  format: string;
  /** Oriented size of one frame, in the pixels the decoder will produce. */
  width: number;
  height: number;
  /** Frames that will be decoded: 1 unless the output keeps animation. */
  frames: number;
  hasAlpha: boolean;
  hasProfile: boolean;
  /** EXIF orientation needs applying (2…8). */
  needsOrient: boolean;
  /** One or two bands (grey, grey+alpha): coloured pads need an sRGB pipeline. */
  grey: boolean;
  /** HEVC-coded HEIF: the prebuilt sharp cannot decode it. */
  hevc: boolean;
  /** SVG rasterisation density (dpi), when the source is SVG. */
  density: number | undefined;
  /** Animation timing to carry into animated outputs. */
  loop: number | undefined;
  delay: number[] | undefined;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where sharp executes each operation inside one pipeline (pipeline.cc order). */
export type Slot =
  'preExtract' | 'resize' | 'rotate' | 'cropEmbed' | 'postExtract' | 'extend' | 'blur' | 'recomb' | 'sharpen' | 'composite';

/** Mutable state the steps read and update; `image` is always the pipeline to append to. */
export interface RenderState {
  spec: TransformSpec;
  format: OutputFormat;
  source: SourceInfo;
  limits: RenderLimits;
  /** Current size of one frame, tracked so later steps need not execute the pipeline. */
  width: number;
  height: number;
  frames: number;
  hasAlpha: boolean;
  /** The original's oriented size when the source is a mezzanine (RenderInput.original). */
  original: { width: number; height: number } | undefined;
  /** Pad canvas laid out before rotation; the pad step applies it in the rotated frame. */
  pad: { width: number; height: number; left: number; top: number } | undefined;
  loadWatermark: ((name: string) => Promise<Buffer | null>) | undefined;
  /** Returns the pipeline to add an operation in `slot` to, materialising first if sharp would run it too early. */
  at(slot: Slot): Promise<Sharp>;
  /** The pipeline as it stands, for operations that commute with everything before them. */
  current(): Sharp;
  /** Executes the pipeline so far into raw pixels (the next operation starts a new pipeline). */
  materialise(): Promise<RawImage>;
  /** Continues from raw pixels, e.g. frames processed one by one. */
  continueFrom(raw: RawImage): void;
  /** Awaits libvips work under the render deadline, mapping failures to PixelfrontErrors. */
  run<T>(work: Promise<T>): Promise<T>;
  /** The render deadline (Date.now() scale), for work outside libvips (the q_auto metric worker, the JPEG XL encoder). */
  readonly deadline: number;
  /** Seconds left before the deadline, for sharp's timeout. */
  timeoutSeconds(): number;
  timings: Record<string, number>;
}

/** Unpremultiplied 8-bit pixels of every frame, stacked vertically. */
export interface RawImage {
  data: Buffer;
  width: number;
  /** Height of one frame. */
  height: number;
  channels: 1 | 2 | 3 | 4;
  frames: number;
}

/** The header fields a render decides from: small, so callers may keep it per image. */
export type SourceHeader = Pick<
  Metadata,
  | 'format'
  | 'width'
  | 'height'
  | 'autoOrient'
  | 'pages'
  | 'hasAlpha'
  | 'hasProfile'
  | 'orientation'
  | 'channels'
  | 'compression'
  | 'density'
  | 'loop'
  | 'delay'
  | 'depth'
  | 'isProgressive'
  | 'chromaSubsampling'
>;
