import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { fail, isPixelfrontError, problemResponse, type PixelfrontError } from '../../core/errors.ts';
import { currentRequestId } from '../log-scope.ts';
import type { Logger } from '../logger.ts';

/**
 * The origin's one place where errors become responses: catalogue errors keep their status,
 * anything unexpected is logged and answered 503 `unavailable` (a backend or a bug), never a
 * bare 500 with a stack trace.
 */
export function problemHandler(logger: Logger): ErrorHandler {
  return function respondWithProblem(error, c) {
    return problemResponse(toPixelfrontError(error, logger, `${c.req.method} ${c.req.path}`), currentRequestId());
  };
}

export const notFoundHandler: NotFoundHandler = function respondNotFound(c) {
  return problemResponse(fail('not_found', `no route for ${c.req.method} ${c.req.path}`), currentRequestId());
};

function toPixelfrontError(error: unknown, logger: Logger, where: string): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) return fail('payload_too_large', error.message || 'body too large');
    if (error.status < 500) return fail('invalid_request', error.message || 'invalid request');
  }
  logger.error('unexpected error', { where, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return fail('unavailable', 'the service could not complete the request; try again later', { retryAfter: 1 });
}
