import { fail } from '../../core/errors.ts';
import type { Services } from '../services.ts';
import { ladderPrefix, originalKey, variantPrefix } from '../storage/layout.ts';

/**
 * Removes an image: the row first, so the image disappears for every reader at once, then its
 * objects (original, variants, mezzanines). An object that cannot be deleted is logged; it is unreachable without the row.
 */
export async function deleteImage(
  services: Pick<Services, 'catalog' | 'storage' | 'logger' | 'forgetImage' | 'storageCounts' | 'edgePurge'>,
  tenant: string,
  id: string,
): Promise<void> {
  const { catalog, storage, logger } = services;
  if (!(await catalog.deleteImage(tenant, id))) throw fail('not_found', `image ${id} not found`);
  services.forgetImage(id);
  const results = await Promise.allSettled([
    storage.delete(originalKey(id)),
    storage.deletePrefix(variantPrefix(id)),
    storage.deletePrefix(ladderPrefix(id)),
  ]);
  for (const result of results) {
    if (result.status === 'rejected') logger.warn('object left behind after delete', { id, error: String(result.reason) });
  }
  // Even when an object was left behind: it is unreachable and no longer the tenant's.
  await services.storageCounts.imageDeleted(id);
  // Last, once the origin answers 404: an edge refetching in between would cache the old bytes again.
  await services.edgePurge?.purgeImage(id);
}
