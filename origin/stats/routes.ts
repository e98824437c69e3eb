import { Hono } from 'hono';
import type { OriginVariables } from '../http/auth.ts';
import type { Services } from '../services.ts';
import { statsRange, statsReport } from './stats-report.ts';

/** `GET /v1/stats` (SPEC section 4): the tenant's uploads, renders and deliveries by day and format. */
export function statsRoutes(services: Services) {
  const app = new Hono<{ Variables: OriginVariables }>();
  app.get('/', async (c) => {
    const range = statsRange({ from: c.req.query('from'), to: c.req.query('to') });
    // This replica's counts are exact; other replicas' arrive with their next flush.
    await services.usage.flush();
    return c.json(await statsReport(services.catalog, services.db, c.get('tenant'), range));
  });
  return app;
}
