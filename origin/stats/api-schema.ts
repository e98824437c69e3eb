import { z } from 'zod';

/**
 * Request and response shapes of the statistics routes (`/v1/stats*`, `/v1/admin/*`,
 * `POST /v1/edge-stats`): the routes validate with these schemas and take their types from them.
 */

export const statsDimensions = ['day', 'week', 'month', 'format', 'preset'] as const;
export const adminStatsDimensions = [...statsDimensions, 'tenant'] as const;
export type StatsDimension = (typeof adminStatsDimensions)[number];

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD');

/** `?format=csv` (or `Accept: text/csv`) answers the same rows as CSV. */
const responseFormat = z.enum(['json', 'csv']).optional().describe('csv: the same rows as text/csv (as does Accept: text/csv)');

const range = {
  from: day.optional().describe('first UTC day, inclusive (default: 30 days before `to`)'),
  to: day.optional().describe('last UTC day, inclusive (default: today, or 30 days after `from`)'),
};

/** `groupBy=day,format`: a comma-separated set of dimensions, each at most once. */
function groupBySchema<D extends StatsDimension>(allowed: readonly [D, ...D[]]) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const names = (value ?? 'day,format')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const valid = new Set<string>(allowed);
      const unknown = names.filter((name) => !valid.has(name));
      if (unknown.length > 0 || new Set(names).size !== names.length) {
        ctx.addIssue({ code: 'custom', message: `must be distinct names of ${allowed.join(', ')} (got "${(value ?? '').slice(0, 80)}")` });
        return z.NEVER;
      }
      return names as D[];
    })
    .describe(`comma-separated, any of ${allowed.join(', ')}; default day,format`);
}

export const statsQuerySchema = z.object({ ...range, groupBy: groupBySchema(statsDimensions), format: responseFormat });
export const adminStatsQuerySchema = z.object({
  ...range,
  groupBy: groupBySchema(adminStatsDimensions),
  format: responseFormat,
});
export const topQuerySchema = z.object({
  ...range,
  by: z.enum(['deliveries', 'bytes']).default('deliveries'),
  limit: z.coerce.number().int().min(1).max(1000).default(10),
  format: responseFormat,
});
export const formatOnlyQuerySchema = z.object({ format: responseFormat });

const tally = z.object({ count: z.number().int(), bytes: z.number().int() });
const totals = z.object({
  uploads: tally,
  renders: tally.extend({ cpuMs: z.number().int().describe('estimated render CPU time, see README') }),
  deliveries: tally.describe('origin deliveries plus edge hits'),
  edge: z.object({
    hits: z.number().int(),
    misses: z.number().int(),
    hitRatio: z.number().nullable().describe('hits / (hits + misses); null without edge traffic'),
  }),
});
export type StatsTotals = z.infer<typeof totals>;

export const statsRowSchema = totals.extend({
  tenant: z.string().optional(),
  month: z.string().optional().describe('YYYY-MM'),
  week: z.string().optional().describe('ISO week in UTC, YYYY-Www'),
  day: z.string().optional(),
  format: z.string().optional(),
  preset: z.string().nullable().optional().describe('the t_NAME of the URL; null for none'),
});
export type StatsRow = z.infer<typeof statsRowSchema>;

export const statsReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.array(z.enum(adminStatsDimensions)),
  /** Only groups with any activity, sorted by the grouped dimensions. */
  rows: z.array(statsRowSchema),
  totals,
});
export type StatsReport = z.infer<typeof statsReportSchema>;

export const topReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  by: z.enum(['deliveries', 'bytes']),
  /** Most delivered first (origin deliveries and edge hits); images deleted since are left out. */
  items: z.array(
    z.object({
      id: z.string(),
      filename: z.string().nullable(),
      format: z.string(),
      deliveries: tally,
    }),
  ),
});
export type TopReport = z.infer<typeof topReportSchema>;

const stored = z.object({ objects: z.number().int(), bytes: z.number().int() });
export const storageReportSchema = z.object({
  originals: stored,
  variants: stored,
  mezzanines: stored,
  total: stored,
  /** True on S3, where a lifecycle rule expires variants: they are the ones written in the last VARIANT_TTL_DAYS. */
  variantsEstimated: z.boolean(),
});
export type StorageReport = z.infer<typeof storageReportSchema>;

export const tenantsReportSchema = z.object({
  items: z.array(
    z.object({
      tenant: z.string(),
      images: z.number().int(),
      imageBytes: z.number().int().describe('bytes of the originals'),
      storedBytes: z.number().int().describe('originals, variants and mezzanines'),
    }),
  ),
});
export type TenantsReport = z.infer<typeof tenantsReportSchema>;

/** `POST /v1/edge-stats`: the edge Worker's counters since its last flush (edge/edge-stats.ts). */
export const edgeStatsBodySchema = z
  .object({
    counts: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
            day,
            format: z.string().regex(/^[a-z0-9]{1,16}$/),
            preset: z
              .string()
              .regex(/^[A-Za-z0-9_-]{1,64}$/)
              .nullable(),
            hits: z.number().int().min(0),
            hitBytes: z.number().int().min(0),
            misses: z.number().int().min(0),
          })
          .strict(),
      )
      .max(10_000),
  })
  .strict();
export type EdgeStatsBody = z.infer<typeof edgeStatsBodySchema>;

export const edgeStatsAcceptedSchema = z.object({
  accepted: z.number().int().describe('rows attributed to an image owner'),
  unknown: z.number().int().describe('rows of image ids the catalog does not hold (deleted), dropped'),
});
