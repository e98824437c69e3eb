import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { fail } from '../../core/errors.ts';

/** Variables the origin's middleware puts on the Hono context. */
export interface OriginVariables {
  tenant: string;
  /** Who per-key limits apply to: a hash of the API key (never the key itself), or the tenant in open mode. */
  principal: string;
}

export const OPEN_MODE_TENANT = 'default';

/**
 * Resolves the tenant of a `/v1/*` request from `Authorization: Bearer <key>`. With no keys
 * configured the service runs in open mode: everyone is the single tenant `default`.
 */
export function tenantAuth(apiKeys: Map<string, string> | undefined) {
  return createMiddleware<{ Variables: OriginVariables }>(async function authenticateTenant(c, next) {
    if (!apiKeys) {
      c.set('tenant', OPEN_MODE_TENANT);
      c.set('principal', `tenant-${OPEN_MODE_TENANT}`);
      return next();
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const tenant = match ? apiKeys.get(match[1] as string) : undefined;
    if (!tenant) throw fail('unauthorized', match ? 'unknown API key' : 'missing API key: send Authorization: Bearer <key>');
    c.set('tenant', tenant);
    c.set('principal', `key-${createHash('sha256').update(match?.[1] ?? '').digest('hex').slice(0, 24)}`);
    return next();
  });
}
