import { fail, isPixelfrontError } from '../core/errors.ts';

export interface OriginFetchOptions {
  /** Base URLs of the origins, without a trailing slash. */
  origins: readonly string[];
  /** Which origin to try first; the same key always starts at the same origin. */
  affinityKey: string;
  /** Wait at most this long for response headers; undefined: no edge-side limit. */
  timeoutMs: number | undefined;
  /** Try one other origin after a failure; only for requests without a body. */
  retry: boolean;
}

/** Statuses after which another origin may do better: it is down, overloaded or timing out. */
const retryableStatuses = new Set([502, 503, 504]);

/**
 * Sends `build(originBase)` to an origin and returns its response as is (4xx and 5xx included).
 * A network failure is 502 `bad_gateway`, no response headers within the timeout is 504
 * `gateway_timeout`. With several origins and `retry`, a failure or a 502/503/504 answer is
 * retried once on the next origin.
 */
export async function fetchFromOrigin(build: (originBase: string) => Request, options: OriginFetchOptions): Promise<Response> {
  const { origins } = options;
  if (origins.length === 0) throw fail('unavailable', 'no origin configured (ORIGIN_URL)');
  const first = hashString(options.affinityKey) % origins.length;
  const attempts = options.retry && origins.length > 1 ? 2 : 1;
  // No loop condition: the last attempt returns or throws, so nothing is left to do after it.
  for (let attempt = 0; ; attempt += 1) {
    const base = origins[(first + attempt) % origins.length] ?? '';
    const isLast = attempt === attempts - 1;
    try {
      const response = await fetchWithTimeout(build(base), options.timeoutMs);
      if (isLast || !retryableStatuses.has(response.status)) return response;
      await response.body?.cancel();
    } catch (error) {
      if (isLast || !isPixelfrontError(error)) throw error;
    }
  }
}

/**
 * The timer only bounds the wait for response headers and is cleared once they arrive, so a large
 * body still streams to the client and the cache (AbortSignal.timeout would cut it off mid-way).
 */
async function fetchWithTimeout(request: Request, timeoutMs: number | undefined): Promise<Response> {
  const controller = new AbortController();
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(request, { signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) {
      throw fail('gateway_timeout', `the origin did not answer within ${String(timeoutMs)} ms`, { cause: error });
    }
    throw fail('bad_gateway', `the origin could not be reached (${describe(error)})`, { cause: error });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** FNV-1a: small, stable, good enough to spread keys over a handful of origins. */
function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index += 1) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
