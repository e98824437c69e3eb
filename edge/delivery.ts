import { etagMatches } from '../core/conditional.ts';
import { imageCacheTag } from '../core/cache-tag.ts';

export interface DeliveryContext {
  id: string;
  /** f_auto: the answer depends on Accept. */
  varyAccept: boolean;
  ifNoneMatch: string | undefined;
}

/** Headers a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5). */
const notModifiedHeaders = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'link', 'x-edge-cache', 'cache-tag'];

/** The client's answer to an /img request, from the cache (`hit`) or the origin (`miss`). */
export async function deliver(response: Response, state: 'hit' | 'miss', context: DeliveryContext): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set('x-edge-cache', state);
  headers.set('cache-tag', imageCacheTag(context.id));
  if (context.varyAccept) headers.set('vary', 'Accept');
  if (response.status === 200 && etagMatches(context.ifNoneMatch, headers.get('etag'))) {
    await response.body?.cancel();
    const kept = new Headers();
    for (const name of notModifiedHeaders) {
      const value = headers.get(name);
      if (value !== null) kept.set(name, value);
    }
    return new Response(null, { status: 304, headers: kept });
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
