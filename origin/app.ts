import { Hono } from 'hono';
import { tenantAuth, type OriginVariables } from './http/auth.ts';
import { notFoundHandler, problemHandler } from './http/errors.ts';
import { deliverOriginal } from './delivery/original.ts';
import { imageRoutes } from './ingest/routes.ts';
import type { Services } from './services.ts';

/** The origin's HTTP surface (SPEC sections 3, 4 and 6) over already-built services. */
export function createApp(services: Services): Hono {
  const app = new Hono();
  app.onError(problemHandler(services.logger));
  app.notFound(notFoundHandler);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = await Promise.allSettled([services.storage.ping(), services.catalog.ping()]);
    const [storage, catalog] = checks.map((check) => (check.status === 'fulfilled' ? 'ok' : String(check.reason)));
    const ready = checks.every((check) => check.status === 'fulfilled');
    return c.json({ status: ready ? 'ok' : 'unavailable', storage, catalog }, ready ? 200 : 503);
  });

  const api = new Hono<{ Variables: OriginVariables }>();
  api.use('*', tenantAuth(services.config.apiKeys));
  api.route('/images', imageRoutes(services));
  app.route('/v1', api);

  app.get('/img/:id', (c) => deliverOriginal(services, c.req.param('id'), c.req.header('if-none-match')));
  return app;
}
