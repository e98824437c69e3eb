import type { z } from 'zod';
import { fail } from '../../core/errors.ts';

/** Validates a request's query parameters; 400 `invalid_request` names the first bad one. */
export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw fail('invalid_request', issue ? `?${issue.path.join('.') || 'query'}: ${issue.message}` : 'invalid query');
}
