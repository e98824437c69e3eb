import type { MiddlewareHandler } from 'hono';
import { fail } from '../../core/errors.ts';
import { roleOf, type Role } from '../../core/roles.ts';

/** Answers 421 `misdirected` for a route outside this process's roles, so a wrong balancer rule shows at once. */
export function requireRole(roles: ReadonlySet<Role>): MiddlewareHandler {
  return async function checkRole(c, next) {
    const role = roleOf(c.req.method, c.req.path);
    if (role !== undefined && !roles.has(role)) {
      throw fail('misdirected', `${c.req.method} ${c.req.path} belongs to role ${role}; this process serves ${[...roles].join(', ')}`);
    }
    await next();
  };
}
