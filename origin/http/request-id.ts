import type { RequestListener } from 'node:http';
import { acceptedRequestId, REQUEST_ID_HEADER } from '../../core/request-id.ts';
import { runInLogScope } from '../log-scope.ts';

/**
 * The outermost listener: every request gets its id before anything can answer it, so the
 * refusals made below Hono (dot segments, adapter errors) echo it as well as the routes do.
 * `setHeader` here is merged into whatever `writeHead` the answer comes with.
 */
export function assignRequestIds(next: RequestListener): RequestListener {
  return function assignRequestId(request, response) {
    const offered = request.headers[REQUEST_ID_HEADER];
    const requestId = acceptedRequestId(Array.isArray(offered) ? offered[0] : offered);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    runInLogScope({ requestId }, () => next(request, response));
  };
}
