import { z } from 'zod';
import { pageOf } from '../http/page-query.ts';
import { imageFormatSchema } from '../ingest/responses.ts';

/** The response body of `PUT /v1/watermarks/:name`, as a zod schema for the OpenAPI document. */
export const watermarkSchema = z
  .strictObject({ name: z.string(), format: imageFormatSchema, width: z.number().int(), height: z.number().int(), bytes: z.number().int() })
  .meta({ id: 'Watermark' });

/** A line of `GET /v1/watermarks` (watermark-list.ts), read from storage. */
export const watermarkEntrySchema = z
  .strictObject({
    name: z.string(),
    bytes: z.number().int(),
    contentType: z.string().describe('from the stored bytes'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'WatermarkEntry' });

export const watermarkPageSchema = pageOf(watermarkEntrySchema, 'WatermarkPage');
