import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Catalog, ImageRecord } from './catalog/types.ts';
import { createCatalog } from './catalog/index.ts';
import type { Database } from './catalog/schema.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type OriginMetrics } from './metrics.ts';
import { loadPresets } from './presets-file.ts';
import type { ObjectStorage } from './storage/types.ts';
import { createStorage } from './storage/index.ts';
import { FleetFlight } from './transform/fleet-flight.ts';
import type { PlannedTransform, TransformContext } from './transform/plan.ts';
import { VariantService } from './transform/variants.ts';
import { SvgWorkerPool, type SvgSanitizer } from './ingest/svg/svg-pool.ts';
import type { BatchStore } from './batches/batch-store.ts';
import { createBatchWork } from './batches/background.ts';
import { queueEager } from './batches/eager.ts';
import type { JobQueue } from './queue/index.ts';
import { StorageCounter } from './stats/storage-counter.ts';
import { UsageCounter } from './stats/usage-counter.ts';
import { SessionStore } from './sessions/session-store.ts';
import { createRateLimiter, type RateLimiter } from './ratelimit/index.ts';
import { CloudflarePurger } from './edge-purge/cloudflare-purge.ts';

/**
 * Everything a request handler needs, built once at start from the Config and passed down.
 * Backends are chosen here and nowhere else.
 */
export interface Services {
  config: Config;
  logger: Logger;
  storage: ObjectStorage;
  catalog: Catalog;
  /** The catalog's SQL database, for the tables of uploads and batches beside the images. */
  db: Kysely<Database>;
  /** The presets and MAX_OUTPUT_DIMENSION every transform is parsed against (transform/plan.ts). */
  grammar: TransformContext;
  metrics: OriginMetrics;
  /** Memory cache, stored variants and bounded, single-flight renders. */
  variants: VariantService;
  /** Sanitises SVG on worker threads (uploads, renders, SVG originals), never on the event loop. */
  svg: SvgSanitizer;
  /** Private scratch space for uploads in flight. */
  tempDir: string;
  /** Variant jobs (eager presets, batches): in-process, or BullMQ when REDIS_URL is set. */
  queue: JobQueue;
  /** Batch state and progress in the catalog database. */
  batches: BatchStore;
  /** Render and delivery counts for GET /v1/stats, flushed to the catalog every few seconds. */
  usage: UsageCounter;
  /** Objects and bytes each image keeps in storage, updated on write and delete (GET /v1/stats/storage). */
  storageCounts: StorageCounter;
  /** Console sign-in sessions, in the catalog database so every replica honours them. */
  sessions: SessionStore;
  /** Per-key limit on /v1/* (RATE_LIMIT_PER_MINUTE); undefined when unset. */
  rateLimiter: RateLimiter | undefined;
  /** Purges a deleted image's Cache-Tag at Cloudflare (CLOUDFLARE_ZONE_ID + CLOUDFLARE_API_TOKEN); undefined when unset. */
  edgePurge: CloudflarePurger | undefined;
  /** Runs after an image was registered: queues its `eager` presets, planned by the upload (planEager), as variant jobs. */
  afterUpload(image: ImageRecord, eager: readonly PlannedTransform[]): Promise<void>;
  /** Drops whatever is cached in memory for a deleted image. */
  forgetImage(id: string): void;
  close(): Promise<void>;
}

export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const presets = await loadPresets(config.presetsFile);
  const storage = await createStorage(config);
  const catalog = await createCatalog(config, logger).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  const metrics = createMetrics({ renders: () => variants.gate, caches: () => variants.cacheBytes() });
  const usage = new UsageCounter(catalog.db, { logger, flushMs: config.statsFlushMs });
  const storageCounts = new StorageCounter(catalog.db, logger);
  const fleet =
    config.redisUrl === undefined
      ? undefined
      : new FleetFlight(
          {
            redisUrl: config.redisUrl,
            prefix: config.queuePrefix,
            waitMs: config.renderTimeoutMs,
            connectionTimeoutMs: config.redisCommandTimeoutMs,
          },
          logger,
          (outcome) => metrics.singleFlight.inc({ outcome }),
        );
  const svg = new SvgWorkerPool({ limits: config.svgLimits, workers: config.svgWorkers });
  const tempDir = join(config.dataDir, 'tmp');
  const variants = new VariantService({ config, storage, catalog, logger, metrics, usage, storageCounts, fleet, svg, tempDir });
  const work = createBatchWork(config, logger, catalog.db);
  const services: Services = {
    config,
    logger,
    storage,
    catalog,
    db: catalog.db,
    grammar: { presets, maxOutputDimension: config.maxOutputDimension, jpegProgressive: config.jpegProgressive },
    metrics,
    variants,
    svg,
    tempDir,
    queue: work.queue,
    batches: work.batches,
    usage,
    storageCounts,
    sessions: new SessionStore(catalog.db),
    rateLimiter: createRateLimiter(config, logger),
    edgePurge: config.cloudflarePurge === undefined ? undefined : new CloudflarePurger(config.cloudflarePurge, logger),
    afterUpload: (image, eager) => queueEager(services, image, eager),
    forgetImage(id) {
      variants.forget(id);
    },
    async close() {
      // Running jobs finish first: they write to storage and the catalog.
      await work.close();
      // Variant write-backs still running land before storage closes.
      await variants.settled();
      // Counts of the last seconds go to the catalog before it closes.
      await usage.close();
      await fleet?.close();
      await services.rateLimiter?.close();
      await services.edgePurge?.close();
      await Promise.allSettled([storage.close(), catalog.close(), svg.close()]);
    },
  };
  usage.start();
  try {
    await work.start(services);
  } catch (error) {
    await services.close();
    throw error;
  }
  return services;
}
