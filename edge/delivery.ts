import { etagMatches } from '../core/conditional.ts';
import { imageCacheTag } from '../core/cache-tag.ts';
import { requestInstance } from '../core/request-id.ts';

export interface DeliveryContext {
  id: string;
  /** The request headers the answer depends on (Accept for f_auto, the client hints): `Vary`. */
  vary: readonly string[];
  ifNoneMatch: string | undefined;
  requestId: string;
}

/** Headers a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5). */
const notModifiedHeaders = [
  'cache-control',
  'age',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
  'link',
  'x-edge-cache',
  'cache-tag',
];

/** The client's answer to an /img request, from the cache (`hit`) or the origin (`miss`). */
export async function deliver(response: Response, state: 'hit' | 'miss', context: DeliveryContext): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set('x-edge-cache', state);
  headers.set('cache-tag', imageCacheTag(context.id));
  if (context.vary.length > 0) headers.set('vary', context.vary.join(', '));
  if (response.status === 200 && etagMatches(context.ifNoneMatch, headers.get('etag'))) {
    await response.body?.cancel();
    const kept = new Headers();
    for (const name of notModifiedHeaders) {
      const value = headers.get(name);
      if (value !== null) kept.set(name, value);
    }
    return new Response(null, { status: 304, headers: kept });
  }
  const init = { status: response.status, statusText: response.statusText, headers };
  if (state === 'hit' && headers.get('content-type') === 'application/problem+json') {
    headers.delete('content-length');
    return new Response(await restamped(response, context.requestId), init);
  }
  return new Response(response.body, init);
}

/** A cached 404 problem was written for the request that filled the cache: its instance must name this one. */
async function restamped(response: Response, requestId: string): Promise<string> {
  const problem = await response.json<Record<string, unknown>>();
  return JSON.stringify({ ...problem, instance: requestInstance(requestId) });
}
