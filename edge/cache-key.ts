import type { FormatToken } from './format-token.ts';

/**
 * The Cache API key of a response: a synthetic GET on the edge's own host whose path is the
 * canonical image path, plus `?format=<token>` for f_auto. It is built only from parsed data, so
 * equivalent spellings share one entry, and the raw Accept header, `sig`/`exp`, the SEO file name
 * and any other query never split or poison an entry.
 */
export function cacheKey(edgeOrigin: string, canonicalPath: string, token: FormatToken | undefined): Request {
  const url = new URL(canonicalPath, edgeOrigin);
  if (token !== undefined) url.searchParams.set('format', token);
  return new Request(url.toString(), { method: 'GET' });
}
