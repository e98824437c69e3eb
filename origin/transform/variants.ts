import { buffer } from 'node:stream/consumers';
import { LRUCache } from 'lru-cache';
import { fail, isPixelfrontError } from '../../core/errors.ts';
import { targetBox } from '../../core/grammar/box.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import type { Catalog, ImageRecord } from '../catalog/types.ts';
import type { Config } from '../config.ts';
import type { SvgSanitizer } from '../ingest/svg/svg-pool.ts';
import { LadderStore, type OriginalSource } from '../ladder/ladder-store.ts';
import type { Rung } from '../ladder/rungs.ts';
import { chooseRung } from '../ladder/select.ts';
import type { Logger } from '../logger.ts';
import type { OriginMetrics } from '../metrics.ts';
import type { StorageCounter } from '../stats/storage-counter.ts';
import type { UsageCounter } from '../stats/usage-counter.ts';
import { originalKey, variantPrefix, watermarkKey } from '../storage/layout.ts';
import type { ObjectStorage } from '../storage/types.ts';
import { contentTypes } from './encoder-settings.ts';
import { probeSource, readSourceHeader } from './probe.ts';
import { estimateRenderCost, type RenderEstimate } from './render-cost.ts';
import { renderLimits } from './render-limits.ts';
import type { RenderInput, SourceHeader } from './render-types.ts';
import { render } from './render.ts';
import { renderTimeout } from '../sharp/errors.ts';
import { RenderCpuMeter } from './render-cpu.ts';
import { RenderGate, type RenderPriority } from './render-gate.ts';
import { FastFirst } from './fast-first.ts';
import { BUFFERED_SOURCE_MAX_BYTES, SourceFiles } from './source-files.ts';
import type { FleetFlight } from './fleet-flight.ts';
import { SingleFlight } from './single-flight.ts';
import type { VariantRequest } from './variant-identity.ts';
import type { Variant, VariantLookup } from './variant-lookup.ts';

/**
 * What a render decodes: the original (its bytes, or for a large one a local file), or a
 * mezzanine with the original's oriented size; release() once the render is over.
 */
interface RenderSource {
  data: Buffer | string;
  rung: Rung | undefined;
  release: () => void;
}

const nothingToRelease = (): void => undefined;

/** One shared lookup, and whether its variant reached storage (false: its write-back failed). */
interface Flight {
  lookup: VariantLookup;
  stored: Promise<boolean>;
}

/**
 * Produces variants, cheapest source first: memory LRU → stored variant → render (bounded by
 * the RenderGate, deduplicated by single flight) with write-back to storage. Deliveries use
 * `get`; batch jobs use `ensure`, which only makes sure the object exists in storage.
 */
export class VariantService {
  readonly gate: RenderGate;
  private readonly memory: LRUCache<string, Variant>;
  private readonly sources: LRUCache<string, Buffer>;
  /** Header facts per image (a few hundred bytes each), so a new variant skips the header read. */
  private readonly headers = new LRUCache<string, SourceHeader>({ max: 10_000 });
  private readonly flights = new SingleFlight<Flight>();
  /** Write-backs still running, so shutdown can wait for them. */
  private readonly writes = new Map<string, Promise<boolean>>();
  /** Watermarks are immutable per name (see watermarks/routes.ts), so caching them is safe. */
  private readonly watermarks = new LRUCache<string, Buffer>({ max: 256 });
  /** Images deleted while a render of theirs may still run; ids are never reused, so remembering recent ones is enough. */
  private readonly deleted = new LRUCache<string, true>({ max: 10_000 });
  private readonly cpu = new RenderCpuMeter();
  readonly ladder: LadderStore;
  private readonly fastFirst: FastFirst;
  private readonly sourceFiles: SourceFiles;

  constructor(
    private readonly deps: {
      config: Config;
      storage: ObjectStorage;
      /** Asked once more after each write-back: another process may have deleted the image meanwhile. */
      catalog: Pick<Catalog, 'getImageById'>;
      logger: Logger;
      metrics: OriginMetrics | undefined;
      usage?: UsageCounter | undefined;
      /** Counts each variant kept in storage (GET /v1/stats/storage). */
      storageCounts?: StorageCounter | undefined;
      /** Fleet-wide single flight (REDIS_URL): a cold variant is rendered by one replica of the fleet. */
      fleet?: FleetFlight | undefined;
      /** Sanitises SVG sources off the event loop. */
      svg: SvgSanitizer;
      /** Where large originals of a storage without local files are downloaded for renders. */
      tempDir: string;
    },
  ) {
    const { config } = deps;
    this.sourceFiles = new SourceFiles({ storage: deps.storage, tempDir: deps.tempDir });
    this.gate = new RenderGate(
      {
        concurrency: config.renderConcurrency,
        queueLimit: config.renderQueue,
        budgetBytes: config.renderMemoryBytes,
        deadlineMs: config.renderTimeoutMs,
      },
      (outcome) => deps.metrics?.renderAdmissions.inc({ outcome }),
    );
    this.ladder = new LadderStore({
      storage: deps.storage,
      catalog: deps.catalog,
      logger: deps.logger,
      storageCounts: deps.storageCounts,
      ladderSizes: config.ladderSizes,
      limits: { maxInputPixels: config.maxInputPixels, timeoutMs: config.renderTimeoutMs },
      schedule: (cost, work) => this.gate.run(cost, work),
    });
    this.fastFirst = new FastFirst(
      {
        cached: (request) => {
          const variant = this.memory.get(request.identity.key);
          return variant && { variant, source: 'memory', timings: {} };
        },
        stored: (request) => this.fromStorage(request.identity.key, request.identity.format, performance.now()),
        // The per-megapixel figures alone, not the gate's learnt speed: that moves with whatever
        // rendered last, and so did the answers (tried: at w_800 one run answered 11 of 36 fast, 25 JPEG XL).
        encodeMs: async (request) => {
          const prepared = await this.prepare(request);
          prepared.release(); // the estimate holds no source: a large original's file is not kept for it
          return prepared.cost.encodeMs;
        },
        fetch: (request) => this.fetch(request),
        renderInBackground: async (request) => {
          const { key } = request.identity;
          return (await this.flights.run(key, () => this.loadOrRender(key, request, 'background'))).stored;
        },
      },
      { limitMs: config.fastFirstMs, logger: deps.logger, count: (outcome) => deps.metrics?.fastFirst.inc({ outcome }) },
    );
    const cacheBytes = Math.max(1, config.memoryCacheBytes);
    this.memory = new LRUCache<string, Variant>({ maxSize: cacheBytes, sizeCalculation: (variant) => Math.max(1, variant.data.length) });
    // Originals are re-read for every new variant of an image; keep the recent ones close.
    this.sources = new LRUCache<string, Buffer>({
      maxSize: Math.max(1, Math.floor(cacheBytes / 4)),
      sizeCalculation: (data) => Math.max(1, data.length),
    });
  }

  /**
   * `request.identity` was computed once by the caller (its hash is also the delivery's ETag).
   * `fast`: an f_auto request's fast-first alternative (fast-first.ts), answered instead while a
   * cold `request` whose encode is estimated past FAST_FIRST_MS renders in the background.
   */
  async get(request: VariantRequest, fast?: VariantRequest): Promise<VariantLookup> {
    return this.count(await (fast === undefined ? this.fetch(request) : this.fastFirst.get(request, fast)));
  }

  private async fetch(request: VariantRequest): Promise<VariantLookup> {
    const { key } = request.identity;
    const cached = this.memory.get(key);
    if (cached) return { variant: cached, source: 'memory', timings: {} };
    const { lookup } = await this.flights.run(key, () => this.loadOrRender(key, request));
    return lookup;
  }

  /** Makes sure the variant is in storage; renders it only when it is not. */
  async ensure(request: VariantRequest): Promise<{ key: string; bytes: number; rendered: boolean }> {
    const { key } = request.identity;
    const head = await this.deps.storage.head(key);
    if (head) return { key, bytes: head.size, rendered: false };
    const { lookup, stored } = await this.flights.run(key, () => this.loadOrRender(key, request));
    // Transient: the job is retried, and finds the variant in storage or renders it again.
    if (!(await stored)) throw fail('unavailable', `variant ${key} could not be written to storage`);
    return { key, bytes: lookup.variant.data.length, rendered: lookup.source === 'render' };
  }

  /**
   * Drops cached bytes of a deleted image (called after its row is gone, before its variants are
   * deleted from storage). Renders still running then are neither cached nor written; a write-back
   * already under way finds the row gone when it lands and removes itself (keptAfterWrite).
   */
  forget(imageId: string): void {
    const prefix = variantPrefix(imageId);
    this.deleted.set(imageId, true);
    this.ladder.forget(imageId);
    this.sourceFiles.forget(originalKey(imageId));
    for (const key of this.sources.keys()) if (key === imageId || key.startsWith(prefix)) this.sources.delete(key);
    for (const key of this.headers.keys()) if (key === imageId || key.startsWith(prefix)) this.headers.delete(key);
    for (const key of this.memory.keys()) if (key.startsWith(prefix)) this.memory.delete(key);
  }

  private async loadOrRender(key: string, request: VariantRequest, priority: RenderPriority = 'foreground'): Promise<Flight> {
    const started = performance.now();
    const stored = await this.fromStorage(key, request.identity.format, started);
    if (stored) return { lookup: stored, stored: Promise.resolve(true) };
    const { fleet } = this.deps;
    if (fleet === undefined) return this.renderHere(key, request, started, priority);
    const shared = await fleet.run(key, {
      lookup: () => this.fromStorage(key, request.identity.format, started),
      render: async () => {
        const flight = await this.renderHere(key, request, started, priority);
        return { result: flight.lookup, stored: flight.stored };
      },
    });
    return { lookup: shared.result, stored: shared.stored };
  }

  private async fromStorage(key: string, format: OutputFormat, started: number): Promise<VariantLookup | undefined> {
    const stored = await this.deps.storage.get(key);
    if (!stored) return undefined;
    const variant = { data: await buffer(stored.body), format, contentType: contentTypes[format] };
    this.memory.set(key, variant);
    return { variant, source: 'storage', timings: { storage: performance.now() - started } };
  }

  private async renderHere(key: string, request: VariantRequest, started: number, priority: RenderPriority): Promise<Flight> {
    const lookup = await this.render(request, priority);
    lookup.timings['lookup'] = performance.now() - started;
    if (this.deleted.has(request.image.id)) return { lookup, stored: Promise.resolve(false) };
    this.memory.set(key, lookup.variant);
    // The flight settles without waiting for the write (with its fsync): a delivery answers at once,
    // which took 7-16 % off the p50 and ~27 % off the p90 of sequential cold renders
    // (bench/tuning.json). `ensure` promises the object is in storage, so it awaits `stored`.
    return { lookup, stored: this.writeBack(key, lookup.variant, request.image) };
  }

  /** Bytes the memory caches hold now (/metrics `pixelfront_memory_cache_bytes`). */
  cacheBytes(): { variants: number; sources: number } {
    return { variants: this.memory.calculatedSize, sources: this.sources.calculatedSize };
  }

  /**
   * Resolves once every background write-back and backfill has finished (the server awaits it
   * on close), then removes the downloaded originals.
   */
  async settled(): Promise<void> {
    await this.fastFirst.settled();
    while (this.writes.size > 0) await Promise.allSettled([...this.writes.values()]);
    await this.ladder.settled();
    await this.sourceFiles.close();
  }

  /** Never rejects: resolves false when the write failed, or landed after its image was deleted. */
  private writeBack(key: string, variant: Variant, image: ImageRecord): Promise<boolean> {
    const write = this.deps.storage.put(key, variant.data, { contentType: variant.contentType }).then(
      async (info) => {
        if (!(await this.keptAfterWrite(key, image.id))) return false;
        await this.deps.storageCounts?.added({
          tenant: image.tenant,
          imageId: image.id,
          kind: 'variant',
          bytes: info.size,
          at: info.lastModified,
        });
        return true;
      },
      (error: unknown) => {
        // The variant is served from memory and re-rendered if missing: a failed write costs a render later.
        this.deps.logger.warn('variant write-back failed', { key, error: String(error) });
        return false;
      },
    );
    return this.track(key, write);
  }

  private track(key: string, write: Promise<boolean>): Promise<boolean> {
    this.writes.set(key, write);
    void write.finally(() => {
      if (this.writes.get(key) === write) this.writes.delete(key);
    });
    return write;
  }

  /**
   * A delete removes the image's row first and its variants after, so a write that lands after
   * that sweep — a render in another origin or a worker — finds the row gone here and removes
   * itself; a write that lands before it is swept with the rest. `forget` covers this process.
   */
  private async keptAfterWrite(key: string, imageId: string): Promise<boolean> {
    const image = await this.deps.catalog.getImageById(imageId).catch((error: unknown) => {
      this.deps.logger.warn('could not confirm the image of a written variant', { key, error: String(error) });
      return undefined; // unknown: keep the variant, the variant TTL sweep is the backstop
    });
    return image === null ? this.removeLate(key) : true;
  }

  /** Deletes a variant written after its image was deleted; resolves false (it is not stored). */
  private async removeLate(key: string): Promise<boolean> {
    await this.deps.storage.delete(key).catch((error: unknown) => {
      this.deps.logger.warn('variant left behind after delete', { key, error: String(error) });
    });
    return false;
  }

  /**
   * Cheap before expensive: the source's bytes and header, the probe (source limits) and the cost
   * estimate (output limits) come first, outside the gate; only the decode and encode wait for
   * admission. Waiting requests hold their source's encoded bytes (at most RENDER_QUEUE of them).
   */
  private async render(request: VariantRequest, priority: RenderPriority): Promise<VariantLookup> {
    const { metrics } = this.deps;
    const started = performance.now();
    try {
      const prepared = await this.prepare(request);
      const loaded = performance.now() - started;
      const admitted = await this.gate
        .run(
          prepared.cost,
          async () => {
            const queue = performance.now() - started - loaded;
            return { queue, ...(await this.cpu.measure(() => render(prepared.input))) };
          },
          priority,
        )
        .finally(prepared.release);
      const { result, cpuUs } = admitted;
      // The wait for admission is Server-Timing's `queue`, not render time.
      const seconds = (performance.now() - started - admitted.queue) / 1000;
      metrics?.rendersTotal.inc({ format: request.identity.format });
      metrics?.renderSeconds.observe({ format: request.identity.format }, seconds);
      // Here, not at the callers: requests sharing a single flight share this one render.
      this.deps.usage?.countRender({
        tenant: request.image.tenant,
        format: result.format,
        preset: request.preset,
        bytes: result.data.length,
        cpuUs,
      });
      return {
        variant: { data: result.data, format: result.format, contentType: result.contentType },
        source: 'render',
        timings: { source: loaded, queue: admitted.queue, ...result.timings },
        decoded: prepared.rung ? `ladder-${prepared.rung.size}` : 'original',
      };
    } catch (error) {
      // A refusal at the gate is counted by pixelfront_render_admissions_total, not as a failure.
      if (!(isPixelfrontError(error) && error.code === 'overloaded'))
        metrics?.renderFailures.inc({ code: isPixelfrontError(error) ? error.code : 'internal' });
      throw error;
    }
  }

  /** The caller releases the source once the render is over (or refused). */
  private async prepare(
    request: VariantRequest,
  ): Promise<{ input: RenderInput; cost: RenderEstimate; rung: Rung | undefined; release: () => void }> {
    const { config } = this.deps;
    const { image } = request;
    const spec = boxed(request.spec, image, config.maxOutputDimension);
    const source = await this.renderSource(image, spec);
    try {
      return { ...(await this.planned(request, spec, source)), rung: source.rung, release: source.release };
    } catch (error) {
      source.release();
      throw error;
    }
  }

  private async planned(
    request: VariantRequest,
    spec: TransformSpec,
    source: RenderSource,
  ): Promise<{ input: RenderInput; cost: RenderEstimate }> {
    const { config } = this.deps;
    const { image } = request;
    const header = await this.header(source.rung ? mezzanineCacheKey(image.id, source.rung) : image.id, source.data);
    const original = source.rung ? { width: image.width, height: image.height } : undefined;
    const limits = renderLimits(config);
    const format = request.identity.format;
    const info = await probeSource(source.data, spec, format, limits, header);
    return {
      input: {
        source: source.data,
        header,
        original,
        spec,
        format,
        loadWatermark: (name) => this.loadWatermark(image.tenant, name),
        limits,
      },
      cost: estimateRenderCost({ header, info, spec, format, original, limits }),
    };
  }

  /**
   * The smallest stored mezzanine that serves this output (origin/ladder/select.ts), else the
   * original; an image missing rungs it qualifies for gets them made in the background.
   */
  private async renderSource(image: ImageRecord, spec: TransformSpec): Promise<RenderSource> {
    const stored = await this.ladder.stored(image);
    const rung = chooseRung(image, stored, spec, { maxOutputDimension: this.deps.config.maxOutputDimension });
    if (rung) {
      const key = mezzanineCacheKey(image.id, rung);
      const cached = this.sources.get(key);
      if (cached) return { data: cached, rung, release: nothingToRelease };
      const data = await this.ladder.load(image, rung);
      if (data) {
        this.sources.set(key, data);
        return { data, rung, release: nothingToRelease };
      }
    }
    const original = await this.original(image);
    this.ladder.backfill(image, () => this.original(image), stored);
    return { ...original, rung: undefined };
  }

  /**
   * The original as libvips should read it: an SVG or a small original as bytes (source()), a
   * large one as a local file read in sequence, never whole in memory.
   */
  private async original(image: ImageRecord): Promise<OriginalSource> {
    if (image.format === 'svg' || image.bytes <= BUFFERED_SOURCE_MAX_BYTES)
      return { data: await this.source(image), release: nothingToRelease };
    const file = await this.sourceFiles.acquire(originalKey(image.id));
    return { data: file.path, release: file.release };
  }

  /**
   * The bytes renders start from, from a small LRU: the stored original, or for SVG its
   * sanitised copy (also what GET /img/<id> serves for an SVG).
   */
  async source(image: ImageRecord): Promise<Buffer> {
    const cached = this.sources.get(image.id);
    if (cached) return cached;
    const stored = await this.deps.storage.get(originalKey(image.id));
    if (!stored) throw fail('not_found', `the original of image ${image.id} is missing`);
    const raw = await buffer(stored.body);
    // librsvg never sees scripts or external references: render the sanitised document.
    const source =
      image.format === 'svg'
        ? await this.deps.svg.sanitize(raw, { timeoutMs: this.deps.config.renderTimeoutMs, expired: renderTimeout })
        : raw;
    this.sources.set(image.id, source);
    return source;
  }

  /**
   * The source's header, read once per image: reading it costs ~0.4 ms of CPU and a trip through
   * the thread pool, for every new variant otherwise (bench/tuning.json).
   */
  private async header(imageId: string, source: Buffer | string): Promise<SourceHeader> {
    const cached = this.headers.get(imageId);
    if (cached) return cached;
    const header = await readSourceHeader(source);
    this.headers.set(imageId, header);
    return header;
  }

  private async loadWatermark(tenant: string, name: string): Promise<Buffer | null> {
    const key = watermarkKey(tenant, name);
    const cached = this.watermarks.get(key);
    if (cached) return cached;
    const stored = await this.deps.storage.get(key);
    if (!stored) return null;
    const data = await buffer(stored.body);
    this.watermarks.set(key, data);
    return data;
  }

  private count(lookup: VariantLookup): VariantLookup {
    this.deps.metrics?.variantSource.inc({ source: lookup.source });
    return lookup;
  }
}

/** Under the image's variant prefix, so `forget` drops it with the rest. */
function mezzanineCacheKey(imageId: string, rung: Rung): string {
  return `${variantPrefix(imageId)}ladder-${rung.size}`;
}

/** `ar` alone becomes a concrete box here, where the source size is known, capped by the output limit. */
function boxed(spec: TransformSpec, image: ImageRecord, maxOutputDimension: number): TransformSpec {
  if (spec.ar === undefined || spec.w !== undefined || spec.h !== undefined) return spec;
  const { ar: _ratio, ...rest } = spec;
  return { ...rest, ...targetBox(spec, image, maxOutputDimension) };
}
