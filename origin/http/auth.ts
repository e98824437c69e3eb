import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { fail } from '../../core/errors.ts';
import { csrfMatches, sha256Hex, type Session, type SessionStore } from '../sessions/session-store.ts';

/** Variables the origin's middleware puts on the Hono context. */
export interface OriginVariables {
  tenant: string;
  /** Who per-key limits apply to: a hash of the API key (never the key itself), or the tenant in open mode. */
  principal: string;
  /** Set when the request was authenticated by a console session cookie rather than a bearer key. */
  session?: Session & { token: string };
}

export const OPEN_MODE_TENANT = 'default';
export const SESSION_COOKIE = 'pixelfront_session';
export const CSRF_HEADER = 'x-pixelfront-csrf';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The per-key principal: a session counts against the key it was signed in with. */
export const keyPrincipal = (keyHash: string) => `key-${keyHash.slice(0, 24)}`;

/**
 * Resolves the tenant of a `/v1/*` request from `Authorization: Bearer <key>` or, failing that,
 * from the console's session cookie (POST /v1/sessions). A cookie-authenticated request that
 * changes anything must also carry the session's CSRF token in `X-Pixelfront-CSRF` (403
 * `csrf_required` otherwise): a browser attaches the cookie to any request, the header only
 * the console's own script can set. With no keys configured the service runs in open mode:
 * everyone is the single tenant `default`.
 */
export function tenantAuth(apiKeys: Map<string, string> | undefined, sessions?: SessionStore) {
  const liveKeyHashes = new Set([...(apiKeys?.keys() ?? [])].map(sha256Hex));
  return createMiddleware<{ Variables: OriginVariables }>(async function authenticateTenant(c, next) {
    if (!apiKeys) {
      c.set('tenant', OPEN_MODE_TENANT);
      c.set('principal', `tenant-${OPEN_MODE_TENANT}`);
      return next();
    }
    const header = c.req.header('authorization');
    const cookie = header === undefined && sessions ? getCookie(c, SESSION_COOKIE) : undefined;
    if (cookie !== undefined && sessions) {
      const session = await sessions.find(cookie);
      // A key removed from API_KEYS ends the sessions signed in with it.
      if (session === null || !liveKeyHashes.has(session.keyHash))
        throw fail('unauthorized', 'the session has expired or was signed out: sign in again');
      if (!safeMethods.has(c.req.method) && !csrfMatches(c.req.header(CSRF_HEADER), session.csrfToken)) {
        throw fail('csrf_required', `a change made with the session cookie needs the ${CSRF_HEADER} header with the session's CSRF token`);
      }
      c.set('tenant', session.tenant);
      c.set('principal', keyPrincipal(session.keyHash));
      c.set('session', { ...session, token: cookie });
      return next();
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    const tenant = match ? apiKeys.get(match[1] as string) : undefined;
    if (!tenant) throw fail('unauthorized', match ? 'unknown API key' : 'missing API key: send Authorization: Bearer <key>');
    c.set('tenant', tenant);
    c.set('principal', keyPrincipal(sha256Hex(match?.[1] ?? '')));
    return next();
  });
}
