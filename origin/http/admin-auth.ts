import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { fail } from '../../core/errors.ts';

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * `/v1/admin/*`: `Authorization: Bearer <admin key>` (ADMIN_KEYS). Keys are compared as SHA-256
 * digests in constant time, every key each time, so the answer's timing says nothing about how
 * close a guess was. A request that is not an admin's but is a valid tenant's (key, session or
 * open mode, as `tenantAuth` decides) is 403 `forbidden`; anything else is `tenantAuth`'s 401.
 * Admin keys are not tenant keys: elsewhere in /v1 they are unknown (401).
 */
export function adminAuth(adminKeys: ReadonlyMap<string, string>, tenantAuth: MiddlewareHandler): MiddlewareHandler {
  const admins = [...adminKeys].map(([key, name]) => ({ digest: digest(key), name }));
  return createMiddleware(async function authenticateAdmin(c, next) {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (match && admins.length > 0) {
      const given = digest(match[1] as string);
      let found = false;
      for (const admin of admins) found = timingSafeEqual(given, admin.digest) || found;
      if (found) return next();
    }
    await tenantAuth(c, () => {
      throw fail('forbidden', 'this route needs an admin key (ADMIN_KEYS); a tenant key is not one');
    });
  });
}
