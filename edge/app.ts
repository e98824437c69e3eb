import { Hono } from 'hono';
import { dotSegmentDetail, hasDotSegment } from '../core/dot-segments.ts';
import { fail, isPixelfrontError, problemResponse } from '../core/errors.ts';
import { acceptedRequestId, REQUEST_ID_HEADER } from '../core/request-id.ts';
import type { EdgeBindings } from './env.ts';
import { passThrough } from './pass-through.ts';
import { imageRoute } from './routes/img.ts';

/** The edge Worker: /img is served here (cache, then origin); everything else goes to the origin. */
export function createEdgeApp(): Hono<EdgeBindings> {
  const app = new Hono<EdgeBindings>();
  // First of all, so that every answer below, errors included, echoes the id.
  app.use('*', async function assignRequestId(c, next) {
    const requestId = acceptedRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set('requestId', requestId);
    await next();
    // A response straight from fetch() has immutable headers: replacing c.res makes a mutable copy.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
  });
  // Before routing, like the origin: a dot segment must not reach a route other than the one written.
  app.use('*', async function refuseDotSegments(c, next) {
    if (hasDotSegment(c.req.url)) throw fail('invalid_request', dotSegmentDetail);
    await next();
  });
  app.get('/img/*', imageRoute);
  app.all('*', passThrough);
  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (isPixelfrontError(error)) return problemResponse(error, requestId);
    console.error(`edge: unexpected error (request ${requestId})`, error);
    return problemResponse(fail('unavailable', 'the edge could not complete the request'), requestId);
  });
  return app;
}
