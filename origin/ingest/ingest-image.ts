import { createReadStream } from 'node:fs';
import { newImageId } from '../../core/ids.ts';
import type { EditableImageFields, ImageRecord, SimilarImage } from '../catalog/types.ts';
import { writeMezzanines } from '../ladder/mezzanine.ts';
import { rungsFor } from '../ladder/rungs.ts';
import { mediaTypes } from '../media-types.ts';
import type { Services } from '../services.ts';
import { ladderPrefix, originalKey } from '../storage/layout.ts';
import { nearDuplicateError, nearDuplicatesOf, nearDuplicatesOfImage, type DuplicatePolicy } from '../similarity/near-duplicates.ts';
import { perceptualHash } from '../similarity/perceptual-hash.ts';
import { countUpload } from '../stats/upload-counts.ts';
import { fsyncPath } from '../temp/fsync-path.ts';
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
 * deduplicated upload returns the existing image unchanged), and store its mezzanines from that
 * same decode (encoded while the original is stored and recorded). Whatever fails, nothing is left
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

    // Where the temp file becomes the original by rename, its bytes go to disk while it is
    // decoded (an fsync waits on the disk, not the CPU); putFile's own fsync then finds them there.
    // A failure is left to putFile, which flushes the file again and reports what goes wrong then.
    const flushed = storage.putFile ? fsyncPath(file.path).catch(() => undefined) : Promise.resolve();
    const { facts, decoded } = await inspectAndDecode(file.path, {
      maxInputPixels: config.maxInputPixels,
      timeoutMs: config.renderTimeoutMs,
      ladderSizes: config.ladderSizes,
      svg: services.svg,
    }).catch(async (error: unknown) => {
      await flushed;
      throw error;
    });
    // EXIF is parsed on the event loop, the perceptual hash in libvips: side by side.
    const [embedded, hash] = await Promise.all([
      readEmbeddedMetadata(file.path, facts.format, { keepGps: config.keepGps }),
      // Rasters only: a drawing's look depends on the size it is rasterised at, not on its pixels.
      facts.format === 'svg' ? null : perceptualHash(decoded),
    ]).finally(() => flushed);
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
    // The mezzanines are encoded (libvips) while the original is stored and registered (disk and
    // catalog waits); they are counted once the image is registered, removed if it is not.
    const ladder = writeLadder(services, record, decoded);
    let inserted: { image: ImageRecord; inserted: boolean };
    try {
      // The temp file itself becomes the original where storage keeps local files (no copy).
      const contentType = { contentType: mediaTypes[record.format] };
      await (storage.putFile ? storage.putFile(key, file.path, contentType) : storage.put(key, createReadStream(file.path), contentType));
      try {
        inserted = await catalog.insertImage(record);
      } catch (error) {
        await storage.delete(key);
        throw error;
      }
    } catch (error) {
      await dropLadder(services, record.id, ladder);
      throw error;
    }
    if (!inserted.inserted) {
      // A concurrent upload of the same bytes won the race: keep its image, drop our copy.
      await storage.delete(key);
      await dropLadder(services, record.id, ladder);
      return { image: inserted.image, deduplicated: true, nearDuplicates: await nearDuplicatesOfImage(catalog, inserted.image, distance) };
    }
    // The image is registered: a failed usage count must not turn that into an error (the client
    // would retry and be told its first upload was a duplicate).
    await countUpload(services.db, tenant, record.format, record.bytes, record.createdAt).catch((error: unknown) => {
      services.logger.warn('upload not counted in usage statistics', { id: record.id, error: String(error) });
    });
    await services.storageCounts.added({ tenant, imageId: record.id, kind: 'original', bytes: record.bytes });
    for (const { bytes } of await ladder) await services.storageCounts.added({ tenant, imageId: record.id, kind: 'mezzanine', bytes });
    return { image: inserted.image, deduplicated: false, nearDuplicates };
  } finally {
    await file.discard();
  }
}

type LadderDeps = Pick<IngestDeps, 'config' | 'storage' | 'logger'>;

/** A mezzanine that cannot be stored is made again on the image's first cold render (lazy backfill): never a failed upload. */
async function writeLadder(services: LadderDeps, image: ImageRecord, decoded: DecodedImage): Promise<{ key: string; bytes: number }[]> {
  const rungs = rungsFor(image, services.config.ladderSizes);
  if (rungs.length === 0) return [];
  return writeMezzanines(services.storage, image.id, decoded, rungs).catch((error: unknown) => {
    services.logger.warn('mezzanine not stored; it is made on the first render', { id: image.id, error: String(error) });
    return [];
  });
}

/** The mezzanines of an image that was not registered after all. */
async function dropLadder(services: LadderDeps, imageId: string, ladder: Promise<unknown>): Promise<void> {
  await ladder;
  await services.storage.deletePrefix(ladderPrefix(imageId)).catch((error: unknown) => {
    services.logger.warn('mezzanines of an image not registered could not be removed', { id: imageId, error: String(error) });
  });
}

/** A file name safe to store and echo: base name only, no control or bidi characters, bounded. */
export function cleanFilename(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = stripInvisibleCharacters(base).trim().slice(0, 255);
  return clean || null;
}
