import { createMiddleware } from 'hono/factory';
import type { OriginMetrics } from '../metrics.ts';

/** Counts every response by a route template (ids and ops folded), never by raw path. */
export function countRequests(metrics: OriginMetrics) {
  return createMiddleware(async function countRequest(c, next) {
    await next();
    metrics.httpRequests.inc({ route: routeTemplate(c.req.path), status: String(c.res.status) });
  });
}

/** The /v1 collections; any other segment is a client's typo and must not become a label value. */
const apiResources: ReadonlySet<string> = new Set(['images', 'watermarks', 'uploads', 'batches', 'stats', 'presets']);

export function routeTemplate(path: string): string {
  const [first = '', second, third] = path.split('/').filter(Boolean);
  if (first === 'img') return third === undefined ? '/img/:id' : '/img/:id/:ops';
  if (first === 'v1') {
    if (second === undefined || !apiResources.has(second)) return 'other';
    return `/v1/${second}${third === undefined ? '' : '/:id'}`;
  }
  if (['healthz', 'readyz', 'metrics'].includes(first)) return `/${first}`;
  return 'other';
}
