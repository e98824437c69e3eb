import { Hono } from 'hono';
import { parseQuery } from '../http/query.ts';
import type { Services } from '../services.ts';
import { adminStatsQuerySchema, formatOnlyQuerySchema, type TenantsReport } from './api-schema.ts';
import { csvResponse, wantsCsv } from './csv.ts';
import { statsCsv } from './stats-csv.ts';
import { statsRange, statsReport } from './stats-report.ts';
import { storageTotals, storedTotal } from './storage-report.ts';

/**
 * `/v1/admin/*` behind `adminAuth` (ADMIN_KEYS): `stats` is `/v1/stats` over every tenant
 * (`groupBy` may add `tenant`); `tenants` lists the tenants with their images and stored bytes.
 */
export function adminRoutes(services: Services) {
  const app = new Hono();
  app.get('/stats', async (c) => {
    const query = parseQuery(adminStatsQuerySchema, c.req.query());
    const range = statsRange(query);
    await services.usage.flush();
    const report = await statsReport(services.db, { tenant: undefined }, range, query.groupBy);
    if (!wantsCsv(c.req.header('accept'), query.format)) return c.json(report);
    const { header, rows } = statsCsv(report);
    return csvResponse(c, 'admin-stats', header, rows);
  });

  app.get('/tenants', async (c) => {
    const query = parseQuery(formatOnlyQuerySchema, c.req.query());
    const totals = await storageTotals(services.storageCounts, services.config, undefined);
    // Tenants with a key but nothing stored yet are listed too.
    const names = new Set([...(services.config.apiKeys?.values() ?? []), ...totals.keys()]);
    const report: TenantsReport = {
      items: [...names].sort().map((tenant) => {
        const byKind = totals.get(tenant);
        return {
          tenant,
          images: byKind?.original.objects ?? 0,
          imageBytes: byKind?.original.bytes ?? 0,
          storedBytes: byKind ? storedTotal(byKind).bytes : 0,
        };
      }),
    };
    if (!wantsCsv(c.req.header('accept'), query.format)) return c.json(report);
    const rows = report.items.map((item) => [item.tenant, item.images, item.imageBytes, item.storedBytes]);
    return csvResponse(c, 'tenants', ['tenant', 'images', 'image_bytes', 'stored_bytes'], rows);
  });
  return app;
}
