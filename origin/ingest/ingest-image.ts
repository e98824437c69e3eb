import { createReadStream } from 'node:fs';
import { newImageId } from '../../core/ids.ts';
import type { EditableImageFields, ImageRecord, SimilarImage } from '../catalog/types.ts';
import { writeMezzanines } from '../ladder/mezzanine.ts';
import { rungsFor } from '../ladder/rungs.ts';
import { mediaTypes } from '../media-types.ts';
import type { Services } from '../services.ts';
import { originalKey } from '../storage/layout.ts';
import { nearDuplicateError, nearDuplicatesOf, nearDuplicatesOfImage, type DuplicatePolicy } from '../similarity/near-duplicates.ts';
import { perceptualHash } from '../similarity/perceptual-hash.ts';
import { countUpload } from '../stats/upload-counts.ts';
import type { DecodedImage } from './decode.ts';
import { readEmbeddedMetadata } from './embedded-metadata.ts';
import { inspectAndDecode } from './inspect.ts';
import type { ReceivedFile } from './receive.ts';
import { stripInvisibleCharacters } from './invisible-characters.ts';

export interface IngestResult {
  image: ImageRecord;
  deduplicated: boolean;
  /** The tenant's other images within NEAR_DUPLICATE_DISTANCE, nearest first. */
  nearDuplicates: SimilarImage[];
}

/** The few services an upload is registered with. */
export type IngestDeps = Pick<Services, 'config' | 'storage' | 'catalog' | 'db' | 'logger' | 'svg' | 'storageCounts'>;
/**
 * Turns a received upload into a registered image: dedupe by hash (cheapest first), validate
 * and describe the content (one strict decode, which also gives the perceptual hash), look up
 * the tenant's near duplicates (with `duplicates: 'reject'` any is a 409 before anything is
 * stored), store the original, record it with the uploader's file name and metadata (a
 * deduplicated upload returns the existing image unchanged), then store its mezzanines from
 * that same decode. Whatever fails, nothing is left
 * behind: the object is removed when the row cannot be written, and the temp file always.
 */
export async function ingestReceivedFile(
  services: IngestDeps,
  tenant: string,
  file: ReceivedFile,
  given: EditableImageFields,
  duplicates: DuplicatePolicy = 'allow',
): Promise<IngestResult> {
  const { storage, catalog, config } = services;
  const distance = config.nearDuplicateDistance;
  try {
    const existing = await catalog.findBySha256(tenant, file.sha256);
    if (existing) return { image: existing, deduplicated: true, nearDuplicates: await nearDuplicatesOfImage(catalog, existing, distance) };

    const { facts, decoded } = await inspectAndDecode(file.path, {
      maxInputPixels: config.maxInputPixels,
      timeoutMs: config.renderTimeoutMs,
      ladderSizes: config.ladderSizes,
      svg: services.svg,
    });
    const embedded = await readEmbeddedMetadata(file.path, facts.format, { keepGps: config.keepGps });
    // Rasters only: a drawing's look depends on the size it is rasterised at, not on its pixels.
    const hash = facts.format === 'svg' ? null : await perceptualHash(decoded);
    const nearDuplicates = await nearDuplicatesOf(catalog, tenant, hash, distance);
    if (duplicates === 'reject' && nearDuplicates.length > 0) throw nearDuplicateError(nearDuplicates, distance);
    const record: ImageRecord = {
      id: newImageId(),
      tenant,
      ...given,
      ...embedded,
      format: facts.format,
      width: facts.width,
      height: facts.height,
      bytes: file.bytes,
      sha256: file.sha256,
      frames: facts.frames,
      hasAlpha: facts.hasAlpha,
      orientation: facts.orientation,
      blurhash: facts.blurhash,
      dominantColor: facts.dominantColor,
      perceptualHash: hash,
      createdAt: new Date(),
    };
    const key = originalKey(record.id);
    // The temp file itself becomes the original where storage keeps local files (no copy).
    const contentType = { contentType: mediaTypes[record.format] };
    await (storage.putFile ? storage.putFile(key, file.path, contentType) : storage.put(key, createReadStream(file.path), contentType));
    let inserted: { image: ImageRecord; inserted: boolean };
    try {
      inserted = await catalog.insertImage(record);
    } catch (error) {
      await storage.delete(key);
      throw error;
    }
    if (!inserted.inserted) {
      // A concurrent upload of the same bytes won the race: keep its image, drop our copy.
      await storage.delete(key);
      return { image: inserted.image, deduplicated: true, nearDuplicates: await nearDuplicatesOfImage(catalog, inserted.image, distance) };
    }
    // The image is registered: a failed usage count must not turn that into an error (the client
    // would retry and be told its first upload was a duplicate).
    await countUpload(services.db, tenant, record.format, record.bytes, record.createdAt).catch((error: unknown) => {
      services.logger.warn('upload not counted in usage statistics', { id: record.id, error: String(error) });
    });
    await services.storageCounts.added({ tenant, imageId: record.id, kind: 'original', bytes: record.bytes });
    await storeLadder(services, record, decoded);
    return { image: inserted.image, deduplicated: false, nearDuplicates };
  } finally {
    await file.discard();
  }
}

/** A mezzanine that cannot be stored is made again on the image's first cold render (lazy backfill). */
async function storeLadder(
  services: Pick<IngestDeps, 'config' | 'storage' | 'logger' | 'storageCounts'>,
  image: ImageRecord,
  decoded: DecodedImage,
): Promise<void> {
  const rungs = rungsFor(image, services.config.ladderSizes);
  if (rungs.length === 0) return;
  const written = await writeMezzanines(services.storage, image.id, decoded, rungs).catch((error: unknown) => {
    services.logger.warn('mezzanine not stored; it is made on the first render', { id: image.id, error: String(error) });
    return [];
  });
  for (const { bytes } of written)
    await services.storageCounts.added({ tenant: image.tenant, imageId: image.id, kind: 'mezzanine', bytes });
}

/** A file name safe to store and echo: base name only, no control or bidi characters, bounded. */
export function cleanFilename(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = stripInvisibleCharacters(base).trim().slice(0, 255);
  return clean || null;
}
