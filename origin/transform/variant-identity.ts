import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { OutputFormat } from '../../core/transform-spec.ts';
import { variantKey } from '../storage/layout.ts';

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
  const hash = variantHash(canonicalWithoutFormat, format);
  return { imageId, canonicalWithoutFormat, format, hash, key: variantKey(imageId, hash, format) };
}

export function variantHash(canonicalWithoutFormat: string, format: OutputFormat): string {
  const input = `${canonicalWithoutFormat}|${format}`;
  let hash = recentHashes.get(input);
  if (hash === undefined) recentHashes.set(input, (hash = createHash('sha256').update(input).digest('hex').slice(0, 32)));
  return hash;
}

/** Pages repeat the same few transforms; a memory hit hashes its transform twice (ETag and key). */
const recentHashes = new LRUCache<string, string>({ max: 5000 });
