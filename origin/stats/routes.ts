import { Hono } from 'hono';
import type { OriginVariables } from '../http/auth.ts';
import { parseQuery } from '../http/query.ts';
import type { Services } from '../services.ts';
import { formatOnlyQuerySchema, statsQuerySchema, topQuerySchema } from './api-schema.ts';
import { csvResponse, wantsCsv } from './csv.ts';
import { statsCsv } from './stats-csv.ts';
import { statsRange, statsReport } from './stats-report.ts';
import { storageReport, storageTotals } from './storage-report.ts';
import { topImages } from './top-images.ts';

/**
 * `GET /v1/stats` (SPEC section 4, issue 16): the tenant's usage grouped by `groupBy`;
 * `/v1/stats/top`: its most delivered images; `/v1/stats/storage`: what it keeps in storage.
 * Each answers JSON, or the same rows as CSV (`?format=csv`, `Accept: text/csv`).
 */
export function statsRoutes(services: Services) {
  const app = new Hono<{ Variables: OriginVariables }>();
  app.get('/', async (c) => {
    const query = parseQuery(statsQuerySchema, c.req.query());
    const range = statsRange(query);
    // This replica's counts are exact; other replicas' arrive with their next flush.
    await services.usage.flush();
    const report = await statsReport(services.db, { tenant: c.get('tenant') }, range, query.groupBy);
    if (!wantsCsv(c.req.header('accept'), query.format)) return c.json(report);
    const { header, rows } = statsCsv(report);
    return csvResponse(c, 'stats', header, rows);
  });

  app.get('/top', async (c) => {
    const query = parseQuery(topQuerySchema, c.req.query());
    const range = statsRange(query);
    await services.usage.flush();
    const report = await topImages(services.db, c.get('tenant'), range, query);
    if (!wantsCsv(c.req.header('accept'), query.format)) return c.json(report);
    const rows = report.items.map((item) => [item.id, item.filename, item.format, item.deliveries.count, item.deliveries.bytes]);
    return csvResponse(c, 'top-images', ['id', 'filename', 'format', 'deliveries', 'delivery_bytes'], rows);
  });

  app.get('/storage', async (c) => {
    const query = parseQuery(formatOnlyQuerySchema, c.req.query());
    const tenant = c.get('tenant');
    const report = storageReport((await storageTotals(services.storageCounts, services.config, tenant)).get(tenant), services.config);
    if (!wantsCsv(c.req.header('accept'), query.format)) return c.json(report);
    const rows = (['originals', 'variants', 'mezzanines', 'total'] as const).map((kind) => [
      kind,
      report[kind].objects,
      report[kind].bytes,
    ]);
    return csvResponse(c, 'storage', ['kind', 'objects', 'bytes'], rows);
  });
  return app;
}
