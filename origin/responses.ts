import { z } from 'zod';

/** Response bodies of the routes origin/app.ts defines itself, as zod schemas for the OpenAPI document. */

export const healthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

export const readinessSchema = z
  .strictObject({
    status: z
      .enum(['ok', 'degraded', 'unavailable'])
      .describe('`degraded`: only the queue is down, so batches stop but uploads and deliveries work'),
    storage: z.string().describe('`ok` or why not'),
    catalog: z.string().describe('`ok` or why not'),
    queue: z.string().describe('`ok` or why not'),
  })
  .meta({ id: 'Readiness' });

export const presetListSchema = z
  .strictObject({ items: z.array(z.strictObject({ name: z.string(), ops: z.string().describe('canonical ops') })) })
  .meta({ id: 'PresetList' });
