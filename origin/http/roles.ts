import type { MiddlewareHandler } from 'hono';
import { fail } from '../../core/errors.ts';

/** The separately scaled parts of the origin (SPEC section 8, Roles). */
export const roleNames = ['upload', 'multipart', 'delivery', 'api'] as const;
export type Role = (typeof roleNames)[number];

/** Routes every process answers whatever its roles: the orchestrator's probes and the scrape. */
const everywhere = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The role a request belongs to: `upload` is `POST /v1/images` and `PUT /v1/watermarks/:name`,
 * `multipart` is `/v1/uploads*`, `delivery` is `/img/*`, `api` everything else; undefined for
 * the routes every process serves.
 */
export function roleOf(method: string, path: string): Role | undefined {
  if (everywhere.has(path)) return undefined;
  if (path === '/img' || path.startsWith('/img/')) return 'delivery';
  if (path === '/v1/uploads' || path.startsWith('/v1/uploads/')) return 'multipart';
  if (method === 'POST' && (path === '/v1/images' || path === '/v1/images/')) return 'upload';
  if (method === 'PUT' && /^\/v1\/watermarks\/[^/]+\/?$/.test(path)) return 'upload';
  return 'api';
}

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
