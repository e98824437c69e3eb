import { imageCacheTag } from '../core/cache-tag.ts';
import { REQUEST_ID_HEADER } from '../core/request-id.ts';

/**
 * What the edge keeps in the Cache API: 200s for as long as the origin says (a year, immutable; a
 * minute for f_auto's fast-first answer, origin/transform/fast-first.ts), 404s briefly, nothing
 * else. Stored copies carry no Vary header: the key already holds the negotiated format and the
 * rounded client hints, and Vary is added back when the copy is served.
 * Nor Server-Timing: the render it describes happened once, not on every hit; nor X-Request-Id,
 * which names the request that filled the cache, not the ones it serves.
 */
const notFoundTtlSeconds = 60;

/**
 * When a copy was stored (ms since the epoch): a hit past its max-age is treated as a miss even if
 * the Cache API still holds it, and a fresh one is served with its `Age`, so a browser keeps a
 * one-minute answer for what is left of the minute, not a minute more. Never sent to clients.
 */
export const STORED_AT_HEADER = 'x-pixelfront-stored-at';

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
  headers.set(STORED_AT_HEADER, String(Date.now()));
  if (cacheControl !== undefined) headers.set('cache-control', cacheControl);
  return new Response(copy.body, { status: copy.status, statusText: copy.statusText, headers });
}

/**
 * A broken cache must not break delivery: a failed lookup is a miss. So is a copy past its
 * lifetime, which is removed (the Cache API drops those itself; this holds whatever its clock does).
 */
export async function lookup(cache: Cache, key: Request, requestId: string): Promise<Response | undefined> {
  let cached: Response | undefined;
  try {
    cached = await cache.match(key);
  } catch (error) {
    console.warn(`edge: cache lookup failed (request ${requestId})`, error);
    return undefined;
  }
  if (cached === undefined) return undefined;
  const fresh = withAge(cached, Date.now());
  if (fresh === undefined) {
    await cached.body?.cancel();
    await cache.delete(key).catch((error: unknown) => console.warn(`edge: cache delete failed (request ${requestId})`, error));
  }
  return fresh;
}

/** The copy with its Age and without the stamp, or undefined once its max-age has passed. Unstamped copies pass as they are. */
export function withAge(cached: Response, now: number): Response | undefined {
  const storedAt = Number(cached.headers.get(STORED_AT_HEADER) ?? Number.NaN);
  if (!Number.isFinite(storedAt)) return cached;
  const age = Math.max(0, Math.floor((now - storedAt) / 1000));
  const maxAge = maxAgeOf(cached.headers.get('cache-control'));
  if (maxAge !== undefined && age >= maxAge) return undefined;
  const headers = new Headers(cached.headers);
  headers.delete(STORED_AT_HEADER);
  headers.set('age', String(age));
  return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
}

/** `s-maxage` (the edge is a shared cache) or else `max-age`, in seconds. */
function maxAgeOf(cacheControl: string | null): number | undefined {
  const directives = (cacheControl ?? '').toLowerCase();
  const value = /(?:^|[,\s])s-maxage\s*=\s*(\d+)/.exec(directives)?.[1] ?? /(?:^|[,\s])max-age\s*=\s*(\d+)/.exec(directives)?.[1];
  return value === undefined ? undefined : Number(value);
}

/** For ctx.waitUntil: a failed write is logged, never surfaced to the client. */
export async function store(cache: Cache, key: Request, response: Response, requestId: string): Promise<void> {
  try {
    await cache.put(key, response);
  } catch (error) {
    console.warn(`edge: cache write failed (request ${requestId})`, error);
  }
}
