import sharp, { type Sharp } from 'sharp';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import type { RawImage, RenderLimits, RenderState, Slot, SourceInfo } from './render-types.ts';
import { renderTimeout, sourceError } from '../sharp/errors.ts';

/**
 * The order in which sharp runs operations inside one pipeline (src/pipeline.cc), whatever the
 * call order. A step whose slot comes at or before one already used would run too early, so the
 * pipeline is first executed into raw pixels ("materialised") and a new one continues from them.
 * The common path (resize + encode) therefore stays one pipeline with one decode.
 */
const slotOrder: Record<Slot, number> = {
  preExtract: 0,
  resize: 1,
  rotate: 2,
  cropEmbed: 3,
  postExtract: 4,
  extend: 5,
  blur: 6,
  recomb: 7,
  sharpen: 8,
  composite: 9,
};

export interface PipelineOptions {
  input: Buffer | string;
  spec: TransformSpec;
  format: OutputFormat;
  source: SourceInfo;
  original?: { width: number; height: number } | undefined;
  limits: RenderLimits;
  deadline: number;
  loadWatermark: ((name: string) => Promise<Buffer | null>) | undefined;
  timings: Record<string, number>;
}

export class PipelineState implements RenderState {
  readonly spec: TransformSpec;
  readonly format: OutputFormat;
  readonly source: SourceInfo;
  readonly limits: RenderLimits;
  readonly loadWatermark: ((name: string) => Promise<Buffer | null>) | undefined;
  readonly timings: Record<string, number>;
  width: number;
  height: number;
  frames: number;
  hasAlpha: boolean;
  pad: RenderState['pad'] = undefined;
  readonly original: RenderState['original'];
  private image: Sharp;
  private lastSlot = -1;
  readonly deadline: number;

  constructor(options: PipelineOptions) {
    this.spec = options.spec;
    this.format = options.format;
    this.source = options.source;
    this.original = options.original;
    this.limits = options.limits;
    this.loadWatermark = options.loadWatermark;
    this.timings = options.timings;
    this.deadline = options.deadline;
    this.width = options.source.width;
    this.height = options.source.height;
    this.frames = options.source.frames;
    this.hasAlpha = options.source.hasAlpha;
    this.image = sharp(options.input, {
      failOn: 'warning',
      limitInputPixels: Math.max(1, Math.floor(options.limits.maxInputPixels)),
      animated: options.source.frames > 1,
      ...(options.source.density === undefined ? {} : { density: options.source.density }),
    });
    this.colourManage(this.image);
  }

  async at(slot: Slot): Promise<Sharp> {
    const order = slotOrder[slot];
    if (order <= this.lastSlot) await this.materialise();
    this.lastSlot = order;
    return this.image;
  }

  current(): Sharp {
    return this.image;
  }

  async materialise(): Promise<RawImage> {
    const started = performance.now();
    const { data, info } = await this.run(
      this.image.raw({ depth: 'uchar' }).timeout({ seconds: this.timeoutSeconds() }).toBuffer({ resolveWithObject: true }),
    );
    const raw: RawImage = {
      data,
      width: info.width,
      height: info.height / this.frames,
      channels: info.channels,
      frames: this.frames,
    };
    this.continueFrom(raw);
    this.timings.materialize = (this.timings.materialize ?? 0) + (performance.now() - started);
    return raw;
  }

  continueFrom(raw: RawImage): void {
    this.image = sharp(raw.data, {
      raw: {
        width: raw.width,
        height: raw.height * raw.frames,
        channels: raw.channels,
        ...(raw.frames > 1 ? { pageHeight: raw.height } : {}),
      },
    });
    this.colourManage(this.image);
    this.lastSlot = -1;
    this.width = raw.width;
    this.height = raw.height;
    this.frames = raw.frames;
    this.hasAlpha = raw.channels === 2 || raw.channels === 4;
  }

  timeoutSeconds(): number {
    const left = this.deadline - Date.now();
    if (left <= 0) throw renderTimeout();
    return Math.max(1, Math.ceil(left / 1000));
  }

  /** libvips' own timeout only fires between tiles; the race also covers a decoder stuck in one call. */
  async run<T>(work: Promise<T>): Promise<T> {
    const left = this.deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(renderTimeout()), Math.max(0, left));
    });
    // The abandoned work may still settle later; its failure must not become an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, expired]);
    } catch (error) {
      throw sourceError(error, { hevc: this.source.hevc });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Output is sRGB: an embedded profile converts the pixels (this also covers 16-bit sources,
   * which sharp processes in P3) and a compact sRGB profile (~0.5 KB) is attached. Sources without
   * a profile are sRGB already and get none.
   */
  private colourManage(image: Sharp): void {
    if (this.source.hasProfile) image.withIccProfile('srgb');
  }
}
