import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { fail } from '../../core/errors.ts';

/**
 * `METRICS_TOKEN`: `/metrics` answers only `Authorization: Bearer <token>` (401 otherwise), so
 * the Prometheus text is not public wherever the origin is reachable. Unset: open, as before.
 */
export function metricsAccess(token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return createMiddleware(async function checkMetricsToken(c, next) {
    if (expected === undefined) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    // Digests have one length, so the comparison is constant-time whatever was sent.
    if (!match || !timingSafeEqual(digest(match[1] ?? ''), expected))
      throw fail('unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    return next();
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
