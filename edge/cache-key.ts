import type { ClientHints } from '../core/client-hints.ts';
import type { FormatToken } from './format-token.ts';

/**
 * The Cache API key of a response: a synthetic GET on the edge's own host whose path is the
 * canonical image path, plus `?format=<token>` for f_auto and `width=`/`dpr=` for the values
 * w_auto and dpr_auto resolve with (edge/client-hints.ts). It is built only from parsed data, so
 * equivalent spellings share one entry, and the raw Accept and hint headers, `sig`/`exp`, the SEO
 * file name and any other query never split or poison an entry.
 */
export function cacheKey(edgeOrigin: string, canonicalPath: string, token: FormatToken | undefined, hints: ClientHints = {}): Request {
  const url = new URL(canonicalPath, edgeOrigin);
  if (token !== undefined) url.searchParams.set('format', token);
  if (hints.width !== undefined) url.searchParams.set('width', String(hints.width));
  if (hints.dpr !== undefined) url.searchParams.set('dpr', String(hints.dpr));
  return new Request(url.toString(), { method: 'GET' });
}
