/**
 * Where every object lives in storage (SPEC section 7): the only module that spells a key, so a
 * backend, a sweeper or a lifecycle rule can rely on these shapes and nothing else. Ids, hashes,
 * tenants and names are already `[A-Za-z0-9._-]` (see keys.ts), so no part needs escaping.
 *
 * An image owns `originalKey`, everything under `variantPrefix` and everything under
 * `ladderPrefix`; deleting an image deletes all three.
 */

/** The uploaded bytes, unchanged. */
export const originalKey = (imageId: string): string => `originals/${imageId}`;

/** Every rendered variant of every image: what the variant TTL (and an S3 lifecycle rule) expires. */
export const VARIANTS_PREFIX = 'variants/';

/** The rendered variants of one image. */
export const variantPrefix = (imageId: string): string => `${VARIANTS_PREFIX}${imageId}/`;

/** The image a key under `variants/` belongs to; undefined for any other key. */
export const imageOfVariantKey = (key: string): string | undefined =>
  key.startsWith(VARIANTS_PREFIX) ? key.slice(VARIANTS_PREFIX.length).split('/')[0] || undefined : undefined;

/** One rendered variant; `hash` covers the canonical ops and the format (transform/variant-identity.ts). */
export const variantKey = (imageId: string, hash: string, extension: string): string => `${variantPrefix(imageId)}${hash}.${extension}`;

/** The render ladder of one image: mezzanines kept with the original, never expired. */
export const ladderPrefix = (imageId: string): string => `ladder/${imageId}/`;

/** One rung of the ladder, `size` being its long edge in pixels. */
export const ladderKey = (imageId: string, size: number, extension: string): string => `${ladderPrefix(imageId)}${size}.${extension}`;

/** Every watermark of one tenant (what `GET /v1/watermarks` lists). */
export const watermarkPrefix = (tenant: string): string => `watermarks/${tenant}/`;

/** A tenant's watermark overlay, immutable per name. */
export const watermarkKey = (tenant: string, name: string): string => `${watermarkPrefix(tenant)}${name}`;

/** The storage folder of a multipart upload: its parts (file backend) and the completed object. */
export const uploadPrefix = (uploadId: string): string => `uploads/${uploadId}/`;

/** The object a multipart upload completes into, inside its folder. */
export const uploadObjectKey = (uploadId: string): string => `${uploadPrefix(uploadId)}object`;
