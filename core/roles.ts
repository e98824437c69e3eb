// Shared by the edge (which routes each request to its role's origins) and the origin (which
// answers 421 outside its roles), so both agree on every path.

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
