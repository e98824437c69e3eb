import { imageCacheTag } from '../core/cache-tag.ts';
import { REQUEST_ID_HEADER } from '../core/request-id.ts';

/**
 * What the edge keeps in the Cache API: 200s for as long as the origin says (a year, immutable),
 * 404s briefly, nothing else. Stored copies carry no Vary header: the key already holds the
 * negotiated format and the rounded client hints, and Vary is added back when the copy is served.
 * Nor Server-Timing: the render it describes happened once, not on every hit; nor X-Request-Id,
 * which names the request that filled the cache, not the ones it serves.
 */
const notFoundTtlSeconds = 60;

export function cacheableCopy(response: Response, id: string): Response | undefined {
  if (response.status === 200) {
    if (/\b(no-store|private)\b/i.test(response.headers.get('cache-control') ?? '')) return undefined;
    return copyWith(response, id, undefined);
  }
  if (response.status === 404) return copyWith(response, id, `public, max-age=${String(notFoundTtlSeconds)}`);
  return undefined;
}

function copyWith(response: Response, id: string, cacheControl: string | undefined): Response {
  const copy = response.clone();
  const headers = new Headers(copy.headers);
  headers.delete('vary');
  headers.delete('set-cookie');
  headers.delete('server-timing');
  headers.delete(REQUEST_ID_HEADER);
  headers.set('cache-tag', imageCacheTag(id));
  if (cacheControl !== undefined) headers.set('cache-control', cacheControl);
  return new Response(copy.body, { status: copy.status, statusText: copy.statusText, headers });
}

/** A broken cache must not break delivery: a failed lookup is a miss. */
export async function lookup(cache: Cache, key: Request, requestId: string): Promise<Response | undefined> {
  try {
    return await cache.match(key);
  } catch (error) {
    console.warn(`edge: cache lookup failed (request ${requestId})`, error);
    return undefined;
  }
}

/** For ctx.waitUntil: a failed write is logged, never surfaced to the client. */
export async function store(cache: Cache, key: Request, response: Response, requestId: string): Promise<void> {
  try {
    await cache.put(key, response);
  } catch (error) {
    console.warn(`edge: cache write failed (request ${requestId})`, error);
  }
}
