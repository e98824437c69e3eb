import { Hono } from 'hono';
import { describePresets } from '../core/presets.ts';
import { batchRoutes } from './batches/routes.ts';
import { consoleRoutes } from './console/serve-console.ts';
import { imgRoutes } from './delivery/img-routes.ts';
import { noteRouteForAccessLog } from './http/access-log.ts';
import { adminAuth } from './http/admin-auth.ts';
import { tenantAuth, type OriginVariables } from './http/auth.ts';
import { notFoundHandler, problemHandler } from './http/errors.ts';
import { metricsAccess } from './http/metrics-access.ts';
import { countRequests } from './http/request-metrics.ts';
import { requireRole } from './http/roles.ts';
import { imageRoutes } from './ingest/routes.ts';
import { similarRoutes } from './similarity/routes.ts';
import { watermarkRoutes } from './watermarks/routes.ts';
import { docsRoutes, openApiJson } from './openapi/routes.ts';
import { rateLimit } from './ratelimit/index.ts';
import { sessionRoutes, signIn } from './sessions/routes.ts';
import { signRoute } from './signing/sign-route.ts';
import type { Services } from './services.ts';
import { adminRoutes } from './stats/admin-routes.ts';
import { edgeStatsRoute } from './stats/edge-stats-route.ts';
import { statsRoutes } from './stats/routes.ts';
import { uploadRoutes } from './multipart/routes.ts';

/** The origin's HTTP surface (SPEC sections 3, 4 and 6) over already-built services. */
export function createApp(services: Services): Hono {
  const app = new Hono();
  app.onError(problemHandler(services.logger));
  app.notFound(notFoundHandler);
  app.use('*', noteRouteForAccessLog);
  app.use('*', countRequests(services.metrics));
  app.use('*', requireRole(services.config.roles));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = await Promise.allSettled([services.storage.ping(), services.catalog.ping(), services.queue.ping()]);
    const [storage, catalog, queue] = checks.map((check) => (check.status === 'fulfilled' ? 'ok' : String(check.reason)));
    // Uploads and deliveries need storage and catalog; without the queue only batches stop, so
    // a queue outage degrades readiness instead of taking every origin out of the balancer.
    const ready = storage === 'ok' && catalog === 'ok';
    const status = !ready ? 'unavailable' : queue === 'ok' ? 'ok' : 'degraded';
    return c.json({ status, storage, catalog, queue }, ready ? 200 : 503);
  });
  app.get('/metrics', metricsAccess(services.config.metricsToken), async (c) =>
    c.text(await services.metrics.registry.metrics(), 200, { 'content-type': services.metrics.registry.contentType }),
  );

  const api = new Hono<{ Variables: OriginVariables }>();
  // Signing in is the one /v1 request without credentials: it is how a browser gets them.
  api.post('/sessions', signIn(services));
  // The API's description is public, like the reference page that reads it.
  api.get('/openapi.json', openApiJson);
  // The edge Worker's counters: authenticated by the shared EDGE_STATS_SECRET, not a tenant key.
  api.post('/edge-stats', edgeStatsRoute(services));
  const authenticate = tenantAuth(services.config.apiKeys, services.sessions);
  // Admin keys are for /v1/admin/* alone, and tenant keys are refused there (403).
  api.use('/admin/*', adminAuth(services.config.adminKeys, authenticate));
  api.route('/admin', adminRoutes(services));
  api.use('*', authenticate);
  if (services.rateLimiter) api.use('*', rateLimit(services.rateLimiter));
  api.route('/images', similarRoutes(services));
  api.route('/images', imageRoutes(services));
  api.route('/watermarks', watermarkRoutes(services));
  api.route('/uploads', uploadRoutes(services));
  api.route('/batches', batchRoutes(services));
  api.route('/stats', statsRoutes(services));
  api.route('/sessions', sessionRoutes(services));
  api.post('/sign', signRoute(services));
  api.get('/presets', (c) =>
    c.json({
      items: describePresets(services.grammar.presets, services.grammar),
    }),
  );
  app.route('/v1', api);

  app.route('/img', imgRoutes(services));
  app.route('/docs', docsRoutes());

  app.get('/', (c) => c.redirect('/console/', 302));
  app.get('/console', (c) => c.redirect('/console/', 301));
  app.route('/console', consoleRoutes(services.config.consoleDir));
  return app;
}
