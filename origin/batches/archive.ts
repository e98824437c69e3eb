import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import type { Services } from '../services.ts';
import { canonicalTransform } from '../transform/plan.ts';
import { variantRequest } from '../transform/variant-identity.ts';
import type { BatchItem } from './batch-store.ts';

/**
 * The finished variants of a batch as a ZIP stream, built while it is sent: one entry at a time,
 * each read from storage only when the previous one went out, so memory stays flat for any size.
 * A variant swept since (VARIANT_TTL_DAYS) is made again; one of a deleted image is left out.
 */
/** The few services an archive reads from. */
type ArchiveDeps = Pick<Services, 'batches' | 'storage' | 'catalog' | 'grammar' | 'variants' | 'logger'>;

export function batchArchive(services: ArchiveDeps, batchId: string): Readable {
  // Images are already compressed: storing them is as small and far cheaper than deflating.
  const zip = new ZipArchive({ store: true });
  const fill = async () => {
    for await (const item of services.batches.doneItems(batchId)) {
      const body = await variantBody(services, item);
      if (body === null) continue;
      if (zip.destroyed) {
        body.destroy();
        return;
      }
      zip.append(body, { name: item.name });
      // A client gone mid-download destroys the zip without another 'entry': the body still being
      // read would keep its file open, and this loop would wait forever.
      const written = await entryWritten(zip).catch((error: unknown) => {
        body.destroy();
        throw error;
      });
      if (!written) {
        body.destroy();
        return;
      }
    }
    await zip.finalize();
  };
  fill().catch((error: unknown) => {
    services.logger.error('batch archive failed', { batchId, error: String(error) });
    zip.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return zip;
}

/** True once the entry appended last is written; false when the zip closes first. */
function entryWritten(zip: Readable): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      zip.off('entry', onEntry);
      zip.off('close', onClose);
      zip.off('error', onError);
    };
    const onEntry = () => {
      settle();
      resolve(true);
    };
    const onClose = () => {
      settle();
      resolve(false);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    zip.on('entry', onEntry);
    zip.on('close', onClose);
    zip.on('error', onError);
  });
}

async function variantBody(services: ArchiveDeps, item: BatchItem): Promise<Readable | null> {
  const stored = await services.storage.get(item.variantKey);
  if (stored !== null) return stored.body;
  const image = await services.catalog.getImageById(item.imageId);
  if (image === null) return null;
  await services.variants.ensure(variantRequest(image, canonicalTransform(services.grammar, item.canonical), item.format));
  return (await services.storage.get(item.variantKey))?.body ?? null;
}
