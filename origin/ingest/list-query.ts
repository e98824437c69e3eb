import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import type { ListImagesOptions } from '../catalog/types.ts';

/** `GET /v1/images?limit=&cursor=&sha256=`: page size, where to go on, and a content hash to look up. */
export const listQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional()
    .transform((limit) => limit ?? 100),
  cursor: z.string().optional(),
  // Hex of any case, compared lower-case as the catalog stores it.
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .transform((hex) => hex.toLowerCase())
    .optional(),
});

const expected: Record<string, string> = {
  limit: 'limit must be an integer 1…1000',
  sha256: 'sha256 must be the 64 hex digits of a SHA-256',
};

/** Validates the listing's query; a bad value is 400 invalid_request naming it. */
export function parseListQuery(query: (name: string) => string | undefined): ListImagesOptions {
  const raw = { limit: query('limit'), cursor: query('cursor'), sha256: query('sha256') };
  const parsed = listQuerySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const field = String(parsed.error.issues[0]?.path[0] ?? 'query');
  throw fail('invalid_request', `${expected[field] ?? `${field} is invalid`}, got "${raw[field as keyof typeof raw] ?? ''}"`);
}
