import { z } from 'zod';
import { imageFormatSchema } from '../ingest/responses.ts';

/** The response body of `PUT /v1/watermarks/:name`, as a zod schema for the OpenAPI document. */
export const watermarkSchema = z
  .strictObject({ name: z.string(), format: imageFormatSchema, width: z.number().int(), height: z.number().int(), bytes: z.number().int() })
  .meta({ id: 'Watermark' });
