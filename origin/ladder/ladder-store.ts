import { buffer } from 'node:stream/consumers';
import { LRUCache } from 'lru-cache';
import type { Catalog, ImageRecord } from '../catalog/types.ts';
import type { Logger } from '../logger.ts';
import type { StorageCounter } from '../stats/storage-counter.ts';
import { ladderKey, ladderPrefix } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { SingleFlight } from '../transform/single-flight.ts';
import { estimateRenderCost, type RenderCost } from '../transform/render-cost.ts';
import type { SourceHeader } from '../transform/render-types.ts';
import { backfillMezzanines } from './backfill.ts';
import { rungsFor, type Rung } from './rungs.ts';

/** An original's bytes or local file, held until release(). */
export interface OriginalSource {
  data: Buffer | string;
  release: () => void;
}

/**
 * The render side of the ladder: which mezzanines of an image are stored (one listing per image,
 * then kept), their bytes, and the lazy backfill of those missing, which runs in the background,
 * once per image at a time, and never delays the render that noticed it.
 */
export class LadderStore {
  /** Rungs stored per image; images are immutable, so only a backfill or a delete changes it. */
  private readonly present = new LRUCache<string, Rung[]>({ max: 10_000 });
  private readonly flights = new SingleFlight<void>();
  private readonly running = new Set<Promise<void>>();
  private readonly deleted = new LRUCache<string, true>({ max: 10_000 });

  constructor(
    private readonly deps: {
      storage: ObjectStorage;
      catalog: Pick<Catalog, 'getImageById'>;
      logger: Logger;
      storageCounts?: StorageCounter | undefined;
      ladderSizes: readonly number[];
      limits: { maxInputPixels: number; timeoutMs: number };
      /** Runs the backfill's decode and encodes under the render gate, so it shares the CPU and memory budget. */
      schedule: (cost: RenderCost, work: () => Promise<void>) => Promise<void>;
    },
  ) {}

  /** The rungs this image should have (LADDER_SIZES), smallest first. */
  expected(image: ImageRecord): Rung[] {
    return rungsFor(image, this.deps.ladderSizes);
  }

  /** The expected rungs that are stored, smallest first. */
  async stored(image: ImageRecord): Promise<Rung[]> {
    const expected = this.expected(image);
    if (expected.length === 0) return [];
    const cached = this.present.get(image.id);
    if (cached) return cached;
    const keys = new Set<string>();
    for await (const object of this.deps.storage.list(ladderPrefix(image.id))) keys.add(object.key);
    const stored = expected.filter((rung) => keys.has(ladderKey(image.id, rung.size, rung.format)));
    this.present.set(image.id, stored);
    return stored;
  }

  /** A mezzanine's bytes; null when it is gone (the caller renders from the original). */
  async load(image: ImageRecord, rung: Rung): Promise<Buffer | null> {
    const object = await this.deps.storage.get(ladderKey(image.id, rung.size, rung.format));
    if (object) return buffer(object.body);
    this.present.delete(image.id);
    return null;
  }

  /**
   * Starts making the missing rungs in the background, unless already under way; `original` is
   * called once the work is admitted (a large original is a file held only while it is read).
   */
  backfill(image: ImageRecord, original: () => Promise<OriginalSource>, stored: readonly Rung[]): void {
    const missing = this.expected(image).filter((rung) => !stored.some((have) => have.size === rung.size));
    if (missing.length === 0 || this.deleted.has(image.id)) return;
    const cost = estimateMezzanineCost(image, missing);
    const work = this.flights.run(image.id, () => this.deps.schedule(cost, () => this.make(image, original, missing)));
    if (this.running.has(work)) return;
    this.running.add(work);
    void work
      .catch((error: unknown) => {
        // The next cold render from the original tries again.
        this.deps.logger.warn('mezzanine backfill failed', { id: image.id, error: String(error) });
      })
      .finally(() => this.running.delete(work));
  }

  private async make(image: ImageRecord, original: () => Promise<OriginalSource>, missing: readonly Rung[]): Promise<void> {
    const source = await original();
    const written = await backfillMezzanines(this.deps.storage, image, source.data, missing, this.deps.limits).finally(source.release);
    // Deleted meanwhile (here or in another process): remove what was just written.
    const row = await this.deps.catalog.getImageById(image.id).catch(() => undefined);
    if (this.deleted.has(image.id) || row === null) {
      await this.deps.storage.deletePrefix(ladderPrefix(image.id));
      return;
    }
    for (const { bytes } of written)
      await this.deps.storageCounts?.added({ tenant: image.tenant, imageId: image.id, kind: 'mezzanine', bytes });
    this.present.delete(image.id);
    this.deps.logger.info('mezzanines backfilled', { id: image.id, rungs: missing.map((rung) => rung.size) });
  }

  forget(imageId: string): void {
    this.deleted.set(imageId, true);
    this.present.delete(imageId);
  }

  /** Resolves once every backfill under way has finished. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/**
 * A backfill costs about what a render to its largest rung costs (one decode shrunk towards it, its
 * encode), plus the rung's raw pixels, held while every rung is encoded from them; its time is
 * each rung's as a render (an upper bound: the decode happens once). Estimated from the catalog
 * row, since an image uploaded before the ladder has no header cached here.
 */
export function estimateMezzanineCost(image: ImageRecord, rungs: readonly Rung[]): RenderCost {
  const largest = rungs.at(-1);
  if (largest === undefined) return { bytes: 0, ms: 0 };
  const channels = image.hasAlpha ? 4 : 3;
  const header: SourceHeader = {
    format: image.format === 'heic' || image.format === 'avif' ? 'heif' : image.format,
    width: image.width,
    height: image.height,
    autoOrient: { width: image.width, height: image.height },
    channels,
    depth: 'uchar',
    hasAlpha: image.hasAlpha,
    hasProfile: false,
    isProgressive: false,
    ...(image.format === 'heic' ? { compression: 'hevc' } : {}),
  };
  const info = {
    format: header.format ?? image.format,
    width: image.width,
    height: image.height,
    frames: 1,
    hasAlpha: image.hasAlpha,
    hasProfile: false,
    needsOrient: false,
    grey: false,
    hevc: image.format === 'heic',
    density: undefined,
    loop: undefined,
    delay: undefined,
  };
  const limits = { maxOutputDimension: Number.MAX_SAFE_INTEGER, maxOutputPixels: Number.MAX_SAFE_INTEGER };
  const costs = rungs.map((rung) =>
    estimateRenderCost({ header, info, spec: { c: 'scale', w: rung.width, h: rung.height }, format: rung.format, limits }),
  );
  const held = largest.width * largest.height * channels;
  return { bytes: (costs.at(-1)?.bytes ?? 0) + held, ms: costs.reduce((sum, cost) => sum + cost.ms, 0) };
}
