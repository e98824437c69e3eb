import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The origin's Prometheus metrics, one registry per process (or per test origin), exposed on
 * GET /metrics. Names follow issue 3; gauges read live values through callbacks.
 */
export interface OriginMetrics {
  registry: Registry;
  rendersTotal: Counter<'format'>;
  renderSeconds: Histogram<'format'>;
  variantSource: Counter<'source'>;
  httpRequests: Counter<'route' | 'status'>;
  renderFailures: Counter<'code'>;
  singleFlight: Counter<'outcome'>;
  renderAdmissions: Counter<'outcome'>;
  fastFirst: Counter<'outcome'>;
}

/** The render gate as /metrics reads it (origin/transform/render-gate.ts). */
export interface RenderLoad {
  inFlight: number;
  queued: number;
  /** Estimated working sets of the renders running, added up. */
  inFlightBytes: number;
  queuedBytes: number;
  budgetBytes: number;
}

/** Bytes the in-memory caches hold (origin/transform/variants.ts): rendered variants and recent sources. */
export interface CacheLoad {
  variants: number;
  sources: number;
}

export function createMetrics(live: { renders: () => RenderLoad; caches: () => CacheLoad }): OriginMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pixelfront_process_' });
  const metrics: OriginMetrics = {
    registry,
    rendersTotal: new Counter({
      name: 'pixelfront_renders_total',
      help: 'Variants rendered by this process',
      labelNames: ['format'],
      registers: [registry],
    }),
    renderSeconds: new Histogram({
      name: 'pixelfront_render_seconds',
      help: 'Time to render one variant (reading the original, decode, transform, encode)',
      labelNames: ['format'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    variantSource: new Counter({
      name: 'pixelfront_variant_source_total',
      help: 'Variant responses by where the bytes came from',
      labelNames: ['source'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'pixelfront_http_requests_total',
      help: 'HTTP responses by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    renderFailures: new Counter({
      name: 'pixelfront_render_failures_total',
      help: 'Renders that failed, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    singleFlight: new Counter({
      name: 'pixelfront_single_flight_total',
      help: 'Cold variants by fleet-wide single flight outcome: leader, takeover (after a dead holder), follower (found in storage), timeout, local (Redis unavailable)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    fastFirst: new Counter({
      name: 'pixelfront_fast_first_total',
      help: "f_auto's fast-first: answered (a fast-format answer while the better one renders), upgraded (its background render done), upgrade_failed (logged; the next request retries)",
      labelNames: ['outcome'],
      registers: [registry],
    }),
    renderAdmissions: new Counter({
      name: 'pixelfront_render_admissions_total',
      help: 'Renders at the gate: started at once, queued (then started), refused (queue full, or the estimated wait past RENDER_TIMEOUT_MS); alone: started over the whole memory budget, with nothing else running',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'pixelfront_renders_in_flight',
    help: 'Renders running now',
    registers: [registry],
    collect() {
      this.set(live.renders().inFlight);
    },
  });
  new Gauge({
    name: 'pixelfront_render_queue_length',
    help: 'Renders waiting for a slot',
    registers: [registry],
    collect() {
      this.set(live.renders().queued);
    },
  });
  new Gauge({
    name: 'pixelfront_render_memory_bytes',
    help: 'Estimated working sets of the renders running now, added up (origin/transform/render-cost.ts)',
    registers: [registry],
    collect() {
      this.set(live.renders().inFlightBytes);
    },
  });
  new Gauge({
    name: 'pixelfront_render_memory_budget_bytes',
    help: 'RENDER_MEMORY_MB: renders start while their estimates fit it (one over it runs alone)',
    registers: [registry],
    collect() {
      this.set(live.renders().budgetBytes);
    },
  });
  new Gauge({
    name: 'pixelfront_render_queued_memory_bytes',
    help: 'Estimated working sets of the renders waiting, added up',
    registers: [registry],
    collect() {
      this.set(live.renders().queuedBytes);
    },
  });
  new Gauge({
    name: 'pixelfront_memory_cache_bytes',
    help: 'Bytes the in-memory caches hold: rendered variants (MEMORY_CACHE_BYTES) and recent sources (a quarter of it)',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      const caches = live.caches();
      this.set({ cache: 'variants' }, caches.variants);
      this.set({ cache: 'sources' }, caches.sources);
    },
  });
  return metrics;
}
