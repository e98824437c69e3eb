import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import { canonicalTransform } from '../delivery/variant.ts';
import type { Services } from '../services.ts';
import type { BatchItem } from './batch-store.ts';

/**
 * The finished variants of a batch as a ZIP stream, built while it is sent: one entry at a time,
 * each read from storage only when the previous one went out, so memory stays flat for any size.
 * A variant swept since (VARIANT_TTL_DAYS) is made again; one of a deleted image is left out.
 */
export function batchArchive(services: Services, batchId: string): Readable {
  // Images are already compressed: storing them is as small and far cheaper than deflating.
  const zip = new ZipArchive({ store: true });
  const fill = async () => {
    for await (const item of services.batches.doneItems(batchId)) {
      const body = await variantBody(services, item);
      if (body === null) continue;
      zip.append(body, { name: item.name });
      await once(zip, 'entry');
    }
    await zip.finalize();
  };
  fill().catch((error: unknown) => {
    services.logger.error('batch archive failed', { batchId, error: String(error) });
    zip.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return zip;
}

async function variantBody(services: Services, item: BatchItem): Promise<Readable | null> {
  const stored = await services.storage.get(item.variantKey);
  if (stored !== null) return stored.body;
  const image = await services.catalog.getImageById(item.imageId);
  if (image === null) return null;
  const transform = canonicalTransform(services, item.canonical);
  const request = { image, spec: { ...transform.spec, f: item.format }, canonicalWithoutFormat: transform.canonicalWithoutFormat, format: item.format };
  await services.variants.ensure(request);
  return (await services.storage.get(item.variantKey))?.body ?? null;
}
