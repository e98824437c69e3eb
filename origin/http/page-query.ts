import { z } from 'zod';
import { parseQuery } from './query.ts';

/** `?limit=&cursor=` of the cursor-paginated lists (`GET /v1/batches`, `/v1/uploads`, `/v1/watermarks`), as `GET /v1/images` takes them. */
export const pageQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be an integer 1…1000')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional()
    .transform((limit) => limit ?? 100),
  cursor: z.string().max(400).optional().describe('the `next` of the previous page, unchanged'),
});

export type PageQuery = z.output<typeof pageQuerySchema>;

/** A 400 `invalid_request` names the bad parameter; unknown parameters are ignored like elsewhere. */
export function parsePageQuery(query: Record<string, string>): PageQuery {
  return parseQuery(pageQuerySchema, {
    ...(query['limit'] !== undefined && { limit: query['limit'] }),
    ...(query['cursor'] !== undefined && { cursor: query['cursor'] }),
  });
}

/** `{ items, next }` of such a list, `next` null on the last page. */
export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .strictObject({
      items: z.array(item),
      next: z.string().nullable().describe('pass as `?cursor=` for the next page; null on the last one'),
    })
    .meta({ id });
