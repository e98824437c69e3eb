import { z } from 'zod';

/** Response bodies of `/v1/stats`, as zod schemas for the OpenAPI document. */

const tallySchema = z.strictObject({ count: z.number().int(), bytes: z.number().int() }).meta({ id: 'Tally' });

export const statsReportSchema = z
  .strictObject({
    from: z.iso.date(),
    to: z.iso.date(),
    days: z
      .array(z.strictObject({ day: z.iso.date(), format: z.string(), uploads: tallySchema, renders: tallySchema, deliveries: tallySchema }))
      .describe('only the days and formats with any activity, by day then format'),
    totals: z.strictObject({ uploads: tallySchema, renders: tallySchema, deliveries: tallySchema }),
  })
  .meta({ id: 'StatsReport' });
