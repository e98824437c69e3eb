import { z } from 'zod';
import { pageOf } from '../http/page-query.ts';

/** Response bodies of `/v1/batches`, as zod schemas for the OpenAPI document. */

const batchStateSchema = z.enum(['queued', 'running', 'completed', 'failed']);

export const batchCreatedSchema = z
  .strictObject({ id: z.string(), state: batchStateSchema, total: z.number().int().describe('variants planned') })
  .meta({ id: 'BatchCreated' });

/** BatchStore.get's answer. */
export const batchProgressSchema = z
  .strictObject({
    id: z.string(),
    state: batchStateSchema,
    total: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    errors: z
      .array(z.strictObject({ image: z.string(), name: z.string(), code: z.string(), detail: z.string() }))
      .describe('the first 100 failed items, in batch order'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'BatchProgress' });

/** A line of `GET /v1/batches` (BatchStore.list): the progress without its error list. */
export const batchSummarySchema = batchProgressSchema.omit({ errors: true }).meta({ id: 'BatchSummary' });

export const batchPageSchema = pageOf(batchSummarySchema, 'BatchPage');
