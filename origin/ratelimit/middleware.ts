import { createMiddleware } from 'hono/factory';
import { fail, problemResponse } from '../../core/errors.ts';
import type { OriginVariables } from '../http/auth.ts';
import { currentRequestId } from '../log-scope.ts';
import type { RateDecision, RateLimiter } from './types.ts';

/**
 * Per-key rate limiting for `/v1/*`, after authentication (a rejected key never spends quota).
 * Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; past the
 * limit the request is not run and answers 429 `rate_limited` with `Retry-After`.
 */
export function rateLimit(limiter: RateLimiter) {
  return createMiddleware<{ Variables: OriginVariables }>(async function limitRate(c, next) {
    const decision = await limiter.take(c.get('principal'));
    if (!decision.allowed) {
      const response = problemResponse(
        fail('rate_limited', `more than ${decision.limit} requests a minute for this API key; retry in ${decision.retryAfterSeconds} s`, {
          retryAfter: decision.retryAfterSeconds,
        }),
        currentRequestId(),
      );
      for (const [name, value] of rateLimitHeaders(decision)) response.headers.set(name, value);
      return response;
    }
    await next();
    for (const [name, value] of rateLimitHeaders(decision)) c.header(name, value);
  });
}

function rateLimitHeaders(decision: RateDecision): [string, string][] {
  return [
    ['RateLimit-Limit', String(decision.limit)],
    ['RateLimit-Remaining', String(decision.remaining)],
    ['RateLimit-Reset', String(decision.resetSeconds)],
  ];
}
