import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import { OPEN_MODE_TENANT, SESSION_COOKIE, type OriginVariables } from '../http/auth.ts';
import { parseJsonBody, readJsonBody } from '../http/request-body.ts';
import type { Services } from '../services.ts';
import { sha256Hex, type Session } from './session-store.ts';

type Env = { Variables: OriginVariables };

export const signInSchema = z.object({ key: z.string().min(1).max(512) }).strict();

/**
 * `POST /v1/sessions`: an API key in, a session cookie out (before authentication: this *is* the
 * sign-in). Only JSON is accepted, so a cross-site HTML form (which can send only form, multipart
 * or text bodies) cannot sign a browser into someone else's tenant.
 */
export function signIn(services: Services) {
  return async function createSession(c: Context<Env>) {
    const { apiKeys, sessionTtlHours } = services.config;
    if (!apiKeys) throw fail('invalid_request', 'the service is in open mode (API_KEYS is not set): there is nothing to sign in to');
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw fail('unsupported_media_type', 'send {"key": "<API key>"} as application/json');
    }
    const { key } = parseJsonBody(signInSchema, await readJsonBody(c, 4096, services.config.bodyTimeouts), '{ "key": "<API key>" }');
    const tenant = apiKeys.get(key);
    if (tenant === undefined) throw fail('unauthorized', 'unknown API key');
    const ttlMs = sessionTtlHours * 3_600_000;
    const { token, session } = await services.sessions.create(tenant, sha256Hex(key), ttlMs);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: needsSecureCookie(c),
      path: '/',
      maxAge: Math.max(1, Math.floor(ttlMs / 1000)),
      expires: session.expiresAt,
    });
    return c.json(sessionAnswer(session), 201, { 'cache-control': 'no-store' });
  };
}

/** `/v1/sessions/current`, behind authentication: who this is, and signing out. */
export function sessionRoutes(services: Services) {
  const app = new Hono<Env>();
  app.get('/current', (c) => {
    const session = c.get('session');
    if (session) return c.json(sessionAnswer(session), 200, { 'cache-control': 'no-store' });
    if (!services.config.apiKeys) return c.json({ mode: 'open', tenant: OPEN_MODE_TENANT }, 200, { 'cache-control': 'no-store' });
    return c.json({ mode: 'key', tenant: c.get('tenant') }, 200, { 'cache-control': 'no-store' });
  });
  app.delete('/current', async (c) => {
    const session = c.get('session');
    if (!session) throw fail('invalid_request', 'this request is not authenticated by a session cookie: there is no session to end');
    await services.sessions.delete(session.token);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: needsSecureCookie(c), httpOnly: true, sameSite: 'Strict' });
    return c.body(null, 204);
  });
  return app;
}

function sessionAnswer(session: Session) {
  return { mode: 'session', tenant: session.tenant, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
}

const loopbackHost = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * `Secure` unless the page is plain http on loopback (development): browsers would otherwise
 * drop the cookie there. Behind the edge the scheme and host the browser used come in
 * X-Forwarded-Proto / X-Forwarded-Host; trusting them can only add `Secure`, never remove it
 * for a non-loopback host.
 */
export function needsSecureCookie(c: Context): boolean {
  const url = new URL(c.req.url);
  const scheme = (c.req.header('x-forwarded-proto') ?? url.protocol.replace(/:$/, '')).toLowerCase();
  const host = c.req.header('x-forwarded-host') ?? url.host;
  return !(scheme === 'http' && loopbackHost.test(host));
}
