import type { Context } from 'hono';
import { REQUEST_ID_HEADER } from '../core/request-id.ts';
import { roleOf } from '../core/roles.ts';
import { edgeConfig } from './config.ts';
import type { EdgeBindings } from './env.ts';
import { fetchFromOrigin } from './origin-client.ts';

const bodylessMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every path the edge does not serve itself (`/v1/*`, `/healthz`, `/metrics`, …) goes to the origin
 * unchanged: same method, path, query, headers and a streamed body; the response comes back as is.
 * Only bodyless requests get the timeout and the retry: an upload can legitimately take longer
 * than the header timeout, and a consumed body cannot be sent twice. Each request goes to the
 * origins of the role its path belongs to (ORIGIN_URL_<ROLE>); probes and the scrape to ORIGIN_URLS.
 */
export async function passThrough(c: Context<EdgeBindings>): Promise<Response> {
  const config = edgeConfig(c.env);
  const incoming = c.req.raw;
  const url = new URL(incoming.url);
  const bodyless = bodylessMethods.has(incoming.method);
  const role = roleOf(incoming.method, url.pathname);
  return fetchFromOrigin(
    (base) =>
      new Request(`${base}${url.pathname}${url.search}`, {
        method: incoming.method,
        headers: forwardedHeaders(incoming.headers, url, c.get('requestId')),
        body: bodyless ? null : incoming.body,
        redirect: 'manual',
      }),
    {
      origins: role === undefined ? config.origins : config.roleOrigins[role],
      affinityKey: url.pathname,
      timeoutMs: bodyless ? config.originTimeoutMs : undefined,
      retry: bodyless,
    },
  );
}

/**
 * The client's headers, minus Host (the origin's own comes from its URL), plus where the request
 * came in and the request id the edge settled on (the client's may have been replaced).
 */
function forwardedHeaders(incoming: Headers, url: URL, requestId: string): Headers {
  const headers = new Headers(incoming);
  headers.delete('host');
  headers.set(REQUEST_ID_HEADER, requestId);
  headers.set('x-forwarded-host', url.host);
  headers.set('x-forwarded-proto', url.protocol.replace(/:$/, ''));
  return headers;
}
