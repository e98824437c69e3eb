import { Hono } from 'hono';
import { dotSegmentDetail, hasDotSegment } from '../core/dot-segments.ts';
import { fail, isPixelfrontError, problemResponse } from '../core/errors.ts';
import type { EdgeBindings } from './env.ts';
import { passThrough } from './pass-through.ts';
import { imageRoute } from './routes/img.ts';

/** The edge Worker: /img is served here (cache, then origin); everything else goes to the origin. */
export function createEdgeApp(): Hono<EdgeBindings> {
  const app = new Hono<EdgeBindings>();
  // Before routing, like the origin: a dot segment must not reach a route other than the one written.
  app.use('*', async function refuseDotSegments(c, next) {
    if (hasDotSegment(c.req.url)) throw fail('invalid_request', dotSegmentDetail);
    await next();
  });
  app.get('/img/*', imageRoute);
  app.all('*', passThrough);
  app.onError((error) => {
    if (isPixelfrontError(error)) return problemResponse(error);
    console.error('edge: unexpected error', error);
    return problemResponse(fail('unavailable', 'the edge could not complete the request'));
  });
  return app;
}
