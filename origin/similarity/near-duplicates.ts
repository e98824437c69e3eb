import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import type { Catalog, ImageRecord, SimilarImage } from '../catalog/types.ts';

/**
 * What an upload says about the tenant's images that look like it (issue 15): the answer lists
 * them as `nearDuplicates`, and `duplicates=reject` refuses the upload instead (409
 * near_duplicate, before anything is stored). Bytes the tenant already has are not a near
 * duplicate but the same image: they keep answering 200 `deduplicated`.
 */

export const duplicatePolicySchema = z
  .enum(['allow', 'reject'])
  .describe('`reject`: refuse the upload with 409 `near_duplicate` when the tenant has a perceptually near image (default `allow`)');
export type DuplicatePolicy = z.infer<typeof duplicatePolicySchema>;

/** The most near duplicates an upload's answer lists (the closest). */
export const MAX_LISTED_NEAR_DUPLICATES = 100;

/** `?duplicates=` or a form field: absent is `allow`; anything else than the two values is a 400. */
export function duplicatePolicyFrom(raw: string | undefined): DuplicatePolicy {
  if (raw === undefined) return 'allow';
  const parsed = duplicatePolicySchema.safeParse(raw);
  if (!parsed.success) throw fail('invalid_request', `duplicates: must be "allow" or "reject", not "${raw.slice(0, 40)}"`);
  return parsed.data;
}

/** The tenant's images within `distance` of a hash (none for an image without one), nearest first. */
export async function nearDuplicatesOf(
  catalog: Catalog,
  tenant: string,
  hash: string | null,
  distance: number,
  excludeId?: string,
): Promise<SimilarImage[]> {
  if (hash === null) return [];
  return catalog.findSimilar(tenant, hash, { maxDistance: distance, limit: MAX_LISTED_NEAR_DUPLICATES, excludeId });
}

/** The 409 of `duplicates=reject`, naming the existing images. */
export function nearDuplicateError(found: SimilarImage[], distance: number) {
  const named = found.map((image) => `${image.id} (distance ${image.distance})`).join(', ');
  return fail('near_duplicate', `the tenant has images within Hamming distance ${distance} of this one: ${named}`, {
    nearDuplicates: found,
  });
}

/** The same list for an image already stored (a deduplicated or repeated answer): itself left out. */
export function nearDuplicatesOfImage(catalog: Catalog, image: ImageRecord, distance: number): Promise<SimilarImage[]> {
  return nearDuplicatesOf(catalog, image.tenant, image.perceptualHash, distance, image.id);
}
