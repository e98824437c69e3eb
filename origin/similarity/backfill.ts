import { fail } from '../../core/errors.ts';
import type { Catalog, ImageRecord } from '../catalog/types.ts';
import type { Config } from '../config.ts';
import { heicAsPng } from '../heic/heic-as-png.ts';
import { decodeStrict, type DecodeLayout } from '../ingest/decode.ts';
import { PREVIEW_SIDE } from '../ingest/inspect.ts';
import { receiveToTempFile } from '../ingest/receive.ts';
import type { Logger } from '../logger.ts';
import { originalKey } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { perceptualHash } from './perceptual-hash.ts';

/**
 * Perceptual hashes for images stored before migration 0011: their original is decoded the way
 * ingest decodes it (oriented, first frame, shrunk on load: it passed strict validation at its
 * upload), hashed, and the hash recorded. `npm run backfill` does every such image; the similar
 * route does the one it is asked about when it has none.
 */

export interface BackfillDeps {
  config: Pick<Config, 'maxInputPixels' | 'renderTimeoutMs'>;
  storage: ObjectStorage;
  catalog: Catalog;
  tempDir: string;
}

/** The image's hash, now recorded; null for SVG, a flat image (perceptual-hash.ts) or when its original is gone. */
export async function hashStoredImage(deps: BackfillDeps, image: ImageRecord): Promise<string | null> {
  if (image.format === 'svg') return null;
  const object = await deps.storage.get(originalKey(image.id));
  if (object === null) return null;
  const file = await receiveToTempFile(object.body, { tempDir: deps.tempDir, maxBytes: Number.MAX_SAFE_INTEGER });
  try {
    const deadline = Date.now() + deps.config.renderTimeoutMs;
    const heif = image.format === 'avif' || image.format === 'heic';
    const input =
      image.format === 'heic'
        ? await heicAsPng(file.path, deadline, () => fail('unavailable', 'the HEIC original could not be decoded in time'))
        : file.path;
    const animated = image.frames > 1 && (image.format === 'gif' || image.format === 'webp');
    // libheif applies irot/imir itself: EXIF orientation must not be applied on top.
    const layout: DecodeLayout = animated ? { kind: 'animated' } : { kind: 'single', orient: !heif };
    const decoded = await decodeStrict({
      input,
      layout,
      width: image.width,
      height: image.height,
      side: PREVIEW_SIDE,
      fullResolution: false,
      maxInputPixels: deps.config.maxInputPixels,
      deadline,
    });
    const hash = await perceptualHash(decoded);
    if (hash !== null) await deps.catalog.setPerceptualHash(image.id, hash);
    return hash;
  } finally {
    await file.discard();
  }
}

export interface BackfillReport {
  hashed: number;
  skipped: number;
  failed: number;
}

/** Hashes every raster image that has no hash, a page at a time; one that fails is logged and left for the next run. */
export async function backfillPerceptualHashes(deps: BackfillDeps, logger: Logger, pageSize = 100): Promise<BackfillReport> {
  const report: BackfillReport = { hashed: 0, skipped: 0, failed: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await deps.catalog.listUnhashed(pageSize, after);
    if (page.length === 0) return report;
    for (const image of page) {
      try {
        if ((await hashStoredImage(deps, image)) === null) report.skipped += 1;
        else report.hashed += 1;
      } catch (error) {
        report.failed += 1;
        logger.warn('perceptual hash not backfilled', { id: image.id, error: String(error) });
      }
    }
    after = page.at(-1)?.id;
  }
}
