import { buffer } from 'node:stream/consumers';
import { LRUCache } from 'lru-cache';
import type { Catalog, ImageRecord } from '../catalog/types.ts';
import type { Logger } from '../logger.ts';
import type { StorageCounter } from '../stats/storage-counter.ts';
import { ladderKey, ladderPrefix } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { SingleFlight } from '../transform/single-flight.ts';
import { backfillMezzanines } from './backfill.ts';
import { rungsFor, type Rung } from './rungs.ts';

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
      /** Runs the backfill's decode and encodes under the render gate, so it shares the CPU budget. */
      schedule: (work: () => Promise<void>) => Promise<void>;
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

  /** Starts making the missing rungs from `original` in the background, unless already under way. */
  backfill(image: ImageRecord, original: Buffer, stored: readonly Rung[]): void {
    const missing = this.expected(image).filter((rung) => !stored.some((have) => have.size === rung.size));
    if (missing.length === 0 || this.deleted.has(image.id)) return;
    const work = this.flights.run(image.id, () => this.deps.schedule(() => this.make(image, original, missing)));
    if (this.running.has(work)) return;
    this.running.add(work);
    void work
      .catch((error: unknown) => {
        // The next cold render from the original tries again.
        this.deps.logger.warn('mezzanine backfill failed', { id: image.id, error: String(error) });
      })
      .finally(() => this.running.delete(work));
  }

  private async make(image: ImageRecord, original: Buffer, missing: readonly Rung[]): Promise<void> {
    const written = await backfillMezzanines(this.deps.storage, image, original, missing, this.deps.limits);
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
