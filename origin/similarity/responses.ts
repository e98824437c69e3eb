import { z } from 'zod';
import { imageObjectSchema } from '../ingest/responses.ts';
import { MAX_SIMILAR_DISTANCE } from './hamming.ts';

/** `GET /v1/images/:id/similar`: its query and answer, as zod schemas for the route and the OpenAPI document. */

const integerParameter = (max: number, expected: string) =>
  z
    .string()
    .regex(/^\d{1,4}$/, `must be an integer ${expected}`)
    .transform(Number)
    .pipe(z.number().int().max(max, `must be an integer ${expected}`));

export const similarQuerySchema = z.object({
  maxDistance: integerParameter(MAX_SIMILAR_DISTANCE, `0…${MAX_SIMILAR_DISTANCE}`)
    .optional()
    .describe('largest Hamming distance of the perceptual hashes, in bits (default NEAR_DUPLICATE_DISTANCE)'),
  limit: integerParameter(100, '1…100')
    .pipe(z.number().min(1, 'must be an integer 1…100'))
    .optional()
    .describe('the closest this many (default 20)'),
});

export const similarPageSchema = z
  .strictObject({
    maxDistance: z.number().int(),
    items: z.array(z.strictObject({ distance: z.number().int().min(0), image: imageObjectSchema })),
  })
  .meta({ id: 'SimilarImages' });
