import { Hono } from 'hono';
import type { OriginVariables } from '../http/auth.ts';
import { parseQuery } from '../http/query.ts';
import type { Services } from '../services.ts';
import { statsQuerySchema } from './api-schema.ts';
import { csvResponse, wantsCsv } from './csv.ts';
import { statsCsv } from './stats-csv.ts';
import { statsRange, statsReport } from './stats-report.ts';

/** `GET /v1/stats` (SPEC section 4, issue 16): the tenant's usage, grouped by `groupBy`, as JSON or CSV. */
export function statsRoutes(services: Services) {
  const app = new Hono<{ Variables: OriginVariables }>();
  app.get('/', async (c) => {
    const query = parseQuery(statsQuerySchema, c.req.query());
    const range = statsRange(query);
    // This replica's counts are exact; other replicas' arrive with their next flush.
    await services.usage.flush();
    const report = await statsReport(services.db, { tenant: c.get('tenant') }, range, query.groupBy);
    if (!wantsCsv(c, query.format)) return c.json(report);
    const { header, rows } = statsCsv(report);
    return csvResponse(c, 'stats', header, rows);
  });
  return app;
}
