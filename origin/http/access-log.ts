import type { RequestListener, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { currentLogScope } from '../log-scope.ts';
import type { Logger } from '../logger.ts';
import type { OriginVariables } from './auth.ts';

/**
 * One `request` line per request (`LOG_ACCESS`), written when the response is done or the client
 * went away. It is kept at the node level, inside assignRequestIds, so the answers made before
 * routing are logged too, and the bytes are the body bytes that were written to the socket.
 */
export function logAccess(logger: Logger, next: RequestListener): RequestListener {
  return function logRequest(request, response) {
    const started = performance.now();
    const scope = currentLogScope();
    const bodyBytes = countBodyBytes(response);
    // 'close' comes from the socket, outside the request's log scope: the id is passed explicitly.
    response.once('close', () => {
      logger.info('request', {
        requestId: scope?.requestId,
        method: request.method,
        route: scope?.access?.route ?? null,
        status: response.headersSent ? response.statusCode : null,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        bytes: bodyBytes(),
        tenant: scope?.access?.tenant ?? null,
        variantSource: response.getHeader('x-variant-source') ?? null,
        ...(response.writableFinished ? {} : { aborted: true }),
      });
    });
    next(request, response);
  };
}

/** The Hono side of the access line: the route pattern that matched and the tenant, once known. */
export const noteRouteForAccessLog = createMiddleware<{ Variables: Partial<OriginVariables> }>(async function noteRoute(c, next) {
  await next();
  const scope = currentLogScope();
  if (scope !== undefined) scope.access = { route: routePattern(c), tenant: c.get('tenant') ?? null };
});

/**
 * The pattern (`/v1/images/:id`), never the path with its ids. Middleware is registered for ALL
 * methods; the last route of a real method is the one the request was for, even when a
 * middleware answered first (a 401, a 421). None: no route matched (a 404 of the router).
 */
function routePattern(c: Context): string | null {
  return matchedRoutes(c).findLast((route) => route.method !== 'ALL')?.path ?? null;
}

/** Counts what goes through write() and end(), whichever way the adapter streams the body. */
function countBodyBytes(response: ServerResponse): () => number {
  let bytes = 0;
  const count = (chunk: unknown) => {
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk);
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.write = ((...args: unknown[]) => {
    count(args[0]);
    return write(...args);
  }) as ServerResponse['write'];
  response.end = ((...args: unknown[]) => {
    count(args[0]);
    return end(...args);
  }) as ServerResponse['end'];
  return () => bytes;
}
