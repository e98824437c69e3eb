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
}

export function createMetrics(live: { inFlightRenders: () => number; queuedRenders: () => number }): OriginMetrics {
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
  };
  new Gauge({
    name: 'pixelfront_renders_in_flight',
    help: 'Renders running now',
    registers: [registry],
    collect() {
      this.set(live.inFlightRenders());
    },
  });
  new Gauge({
    name: 'pixelfront_render_queue_length',
    help: 'Renders waiting for a slot',
    registers: [registry],
    collect() {
      this.set(live.queuedRenders());
    },
  });
  return metrics;
}
