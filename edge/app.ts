import { Hono } from 'hono';
import { fail, isPixelfrontError, problemResponse } from '../core/errors.ts';
import type { EdgeBindings } from './env.ts';
import { passThrough } from './pass-through.ts';
import { imageRoute } from './routes/img.ts';

/** The edge Worker: /img is served here (cache, then origin); everything else goes to the origin. */
export function createEdgeApp(): Hono<EdgeBindings> {
  const app = new Hono<EdgeBindings>();
  app.get('/img/*', imageRoute);
  app.all('*', passThrough);
  app.onError((error) => {
    if (isPixelfrontError(error)) return problemResponse(error);
    console.error('edge: unexpected error', error);
    return problemResponse(fail('unavailable', 'the edge could not complete the request'));
  });
  return app;
}
