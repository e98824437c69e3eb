import { createHash } from 'node:crypto';
import { applyClientHints, type ClientHints } from '../../core/client-hints.ts';
import { canonicalOps } from '../../core/grammar/canonical.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { variantKey } from '../storage/layout.ts';
import type { CanonicalTransform } from './plan.ts';

/**
 * What makes a variant one object: its image, the canonical ops without `f` and `fl`, the concrete
 * output format, and for a JPEG whether it is progressive. So `w_200` on a JPEG source and
 * `w_200,f_jpeg` are one variant, `f_auto` resolved to WebP is the same object as `f_webp` (with
 * or without `fl_progressive`, which a WebP ignores), and JPEG_PROGRESSIVE=true makes `w_200` the
 * object of `w_200,fl_progressive`. The hash names it in storage and in ETags.
 */
export interface VariantIdentity {
  imageId: string;
  canonicalWithoutFormat: string;
  format: OutputFormat;
  hash: string;
  /** Its storage key, `variants/<imageId>/<hash>.<format>` (storage/layout.ts). */
  key: string;
}

export function variantIdentity(
  imageId: string,
  canonicalWithoutFormat: string,
  format: OutputFormat,
  progressive = false,
): VariantIdentity {
  // Baseline JPEGs and every other format keep the hash they had before progressive existed.
  const encoding = format === 'jpeg' && progressive ? '|progressive' : '';
  const hash = createHash('sha256').update(`${canonicalWithoutFormat}|${format}${encoding}`).digest('hex').slice(0, 32);
  return { imageId, canonicalWithoutFormat, format, hash, key: variantKey(imageId, hash, format) };
}

/** What the VariantService makes: an image, the spec to render (its `f` concrete) and the variant's identity. */
export interface VariantRequest {
  image: ImageRecord;
  spec: TransformSpec;
  identity: VariantIdentity;
  /** The `t_NAME` the URL named, for usage statistics by preset. */
  preset?: string | undefined;
}

/** A request's client hints and the limit a hinted box is scaled down to. */
export interface RequestHints {
  values: ClientHints;
  maxOutputDimension: number;
}

/**
 * The request for one concrete format of a planned transform; its identity is computed here, once.
 * `w_auto` and `dpr_auto` are resolved first, with the request's hints (batches and eager renders
 * have none: the fallback width, a DPR of 1), so the variant is that of the box they give:
 * `w_auto` hinted 700 is the object of `w_700`, and every hint past a raster source's width is one object.
 */
export function variantRequest(
  image: ImageRecord,
  transform: CanonicalTransform,
  format: OutputFormat,
  hints?: RequestHints,
): VariantRequest {
  const hinted = transform.spec.wAuto !== undefined || transform.spec.dprAuto === true;
  // Without hints the box is the parsed one, which the grammar already held to the limit.
  // An SVG renders at any size (its density follows the box), so only a raster source caps the width.
  const sourceWidth = image.format === 'svg' ? undefined : image.width;
  const bounds = { maxOutputDimension: hints?.maxOutputDimension ?? Infinity, ...(sourceWidth === undefined ? {} : { sourceWidth }) };
  const resolved = hinted ? applyClientHints(transform.spec, hints?.values ?? {}, bounds) : transform.spec;
  const { fl: _flag, f: _format, ...rest } = resolved;
  const ops = hinted ? canonicalOps(rest) : transform.canonicalWithoutFormat;
  const progressive = format === 'jpeg' && transform.progressive;
  return {
    image,
    // The render reads `fl` as the encoder's: set exactly when this output is a progressive JPEG.
    spec: progressive ? { ...rest, f: format, fl: 'progressive' } : { ...rest, f: format },
    identity: variantIdentity(image.id, ops, format, progressive),
    preset: transform.preset,
  };
}
