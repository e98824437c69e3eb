/**
 * The typed result of parsing a transform URL (SPEC section 3). The grammar in core/ produces it;
 * the origin's render pipeline and the edge consume it. Canonical specs have presets expanded,
 * dpr folded into w/h and defaults removed, so an absent field means "the default".
 */
export type CropMode = 'fit' | 'fill' | 'pad' | 'scale' | 'crop';

export type Gravity =
  'center' | 'north' | 'south' | 'east' | 'west' | 'north_east' | 'north_west' | 'south_east' | 'south_west' | 'auto' | 'entropy';

/** Formats pixelfront can write. */
export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'jxl' | 'gif';

export type Effect = { name: 'blur'; sigma: number } | { name: 'sharpen'; sigma?: number } | { name: 'grayscale' };

/** Flags of `fl` (Cloudinary's name): switches of the encoder that change no pixel. */
export type Flag = 'progressive';

export interface WatermarkSpec {
  name: string;
  gravity: Exclude<Gravity, 'auto' | 'entropy'>;
  /** 1…100 */
  opacity: number;
  /** 1…100, percent of the output width */
  scale: number;
}

/** Content-aware quality levels (`q_auto:LEVEL`); `good` is what plain `q_auto` means. */
export type QualityLevel = 'eco' | 'good' | 'best';
/** `q_auto` as stored in a spec: its canonical spelling (`auto` is the `good` level). */
export type AutoQuality = 'auto' | 'auto:eco' | 'auto:best';

/** The value of `w_auto[:FALLBACK]`: the width a request without a usable width hint gets. */
export interface AutoWidth {
  fallback: number;
}

export interface TransformSpec {
  c?: CropMode;
  /** Output box in pixels (after dpr was folded in). */
  w?: number;
  h?: number;
  /**
   * `w_auto[:FALLBACK]` (then `w` is absent): the width comes from the request's client hint
   * (core/client-hints.ts), or is FALLBACK without one. Resolved per request before any render.
   */
  wAuto?: number;
  /** `dpr_auto` with an explicit `w` or `h`: they are multiplied by the request's DPR hint. */
  dprAuto?: true;
  /**
   * Aspect ratio width:height in lowest integer terms, e.g. [16, 9] or [191, 100] for `1.91:1`.
   * Parsed specs carry it only when neither w nor h is given (otherwise it was folded into them):
   * with c fill or pad (see targetBox in core/grammar/box.ts), or with `wAuto`, whose height it
   * derives once the width is known.
   */
  ar?: [number, number];
  g?: Gravity;
  /** Focal point, fractions 0…1 of the oriented source. */
  fp?: [number, number];
  x?: number;
  y?: number;
  a?: 90 | 180 | 270;
  e?: Effect[];
  /** Lower-case hex, 6 or 8 digits, without '#'. */
  b?: string;
  wm?: WatermarkSpec;
  /** Absent: the per-format default. A level: the lowest quality that keeps SSIM at its target. */
  q?: number | AutoQuality;
  f?: OutputFormat | 'auto';
  /** `fl_progressive`: a progressive JPEG (only JPEG outputs; see core/grammar/flags.ts). */
  fl?: Flag;
}
