import { createHash } from 'node:crypto';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { variantKey } from '../storage/layout.ts';
import type { CanonicalTransform } from './plan.ts';

/**
 * What makes a variant one object: its image, the canonical ops without `f`, and the concrete
 * output format. So `w_200` on a JPEG source and `w_200,f_jpeg` are one variant, and `f_auto`
 * resolved to WebP is the same object as `f_webp`. The hash names it in storage and in ETags.
 */
export interface VariantIdentity {
  imageId: string;
  canonicalWithoutFormat: string;
  format: OutputFormat;
  hash: string;
  /** Its storage key, `variants/<imageId>/<hash>.<format>` (storage/layout.ts). */
  key: string;
}

export function variantIdentity(imageId: string, canonicalWithoutFormat: string, format: OutputFormat): VariantIdentity {
  const hash = createHash('sha256').update(`${canonicalWithoutFormat}|${format}`).digest('hex').slice(0, 32);
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

/** The request for one concrete format of a planned transform; its identity is computed here, once. */
export function variantRequest(image: ImageRecord, transform: CanonicalTransform, format: OutputFormat): VariantRequest {
  return {
    image,
    spec: { ...transform.spec, f: format },
    identity: variantIdentity(image.id, transform.canonicalWithoutFormat, format),
    preset: transform.preset,
  };
}
