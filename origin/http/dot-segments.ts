import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { dotSegmentDetail, hasDotSegment } from '../../core/dot-segments.ts';
import { fail } from '../../core/errors.ts';
import { currentRequestId } from '../log-scope.ts';

/**
 * Refuses request targets with dot segments (core/dot-segments.ts) before the adapter turns them
 * into a URL, which would resolve them and route `/img/%2e%2e/metrics` to `/metrics`.
 */
export function refuseDotSegments(next: RequestListener): RequestListener {
  return function dotSegmentGuard(req: IncomingMessage, res: ServerResponse) {
    if (!hasDotSegment(req.url ?? '/')) {
      next(req, res);
      return;
    }
    const body = JSON.stringify(fail('invalid_request', dotSegmentDetail).toProblem(currentRequestId()));
    // The body is not read: close the connection rather than leave its bytes to the next request.
    res.writeHead(400, {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  };
}
