import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { pgAdmin, testSchema } from './helpers/postgres.ts';

/** Console sessions (issue 17): cookie sign-in, CSRF on changes, bearer keys unchanged; on both catalog engines. */

const KEYS = 'acme:acme-secret-key,beta:beta-secret-key';
const schema = testSchema('pf_sessions', 'sessions on PostgreSQL');
const pgAvailable = await pgAdmin('select 1', 'sessions on PostgreSQL');

async function png(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 24, channels: 3, background: { r: seed % 256, g: 90, b: 200 } } })
    .png()
    .toBuffer();
}

/** The cookie pair a browser would send back, from a Set-Cookie header. */
const cookiePair = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

const engines = [
  { name: 'SQLite', env: () => ({}) as Record<string, string>, skip: false },
  { name: 'PostgreSQL', env: () => ({ DATABASE_URL: schema.url() }), skip: !pgAvailable },
];

for (const engine of engines) {
  describe.skipIf(engine.skip)(`sessions on ${engine.name}`, () => {
    let origin: TestOrigin;
    let cookie: string;
    let csrf: string;

    beforeAll(async () => {
      if (engine.name === 'PostgreSQL') await schema.create();
      origin = await startTestOrigin({ API_KEYS: KEYS, ...engine.env() });
    });
    afterAll(async () => {
      await origin.destroy();
      if (engine.name === 'PostgreSQL') await schema.drop();
    });

    const signIn = (key: string, headers: Record<string, string> = {}) =>
      fetch(`${origin.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ key }),
      });
    const withCookie = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
      fetch(`${origin.url}${path}`, { ...init, headers: { cookie, ...init.headers } });

    it('refuses a wrong key and a form-encoded sign-in, and sets no cookie', async () => {
      const wrong = await signIn('not-a-key-at-all');
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();
      const form = await fetch(`${origin.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'key=acme-secret-key',
      });
      expect(form.status).toBe(415);
      expect(form.headers.get('set-cookie')).toBeNull();
    });

    it('exchanges a key for an HttpOnly, SameSite=Strict cookie (Secure except plain http on loopback)', async () => {
      const response = await signIn('acme-secret-key');
      expect(response.status).toBe(201);
      const answer = (await response.json()) as { mode: string; tenant: string; csrfToken: string; expiresAt: string };
      expect(answer).toMatchObject({ mode: 'session', tenant: 'acme' });
      expect(answer.csrfToken).toMatch(/^[\w-]{43}$/);
      const hours = (Date.parse(answer.expiresAt) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(11.9);
      expect(hours).toBeLessThanOrEqual(12);
      const setCookie = response.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^pixelfront_session=[\w-]{43};/);
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Strict/);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).toMatch(/; Max-Age=43200/);
      expect(setCookie).not.toMatch(/Secure/);
      expect(JSON.stringify(answer)).not.toContain(cookiePair(response).split('=')[1]);
      cookie = cookiePair(response);
      csrf = answer.csrfToken;

      const behindTls = await signIn('acme-secret-key', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'img.example.com' });
      expect(behindTls.headers.get('set-cookie')).toMatch(/; Secure/);
      const plainRemote = await signIn('acme-secret-key', { 'x-forwarded-host': 'img.example.com' });
      expect(plainRemote.headers.get('set-cookie')).toMatch(/; Secure/);
    });

    it('authenticates reads with the cookie and tells the page its session', async () => {
      const current = await withCookie('/v1/sessions/current');
      expect(current.status).toBe(200);
      expect(await current.json()).toMatchObject({ mode: 'session', tenant: 'acme', csrfToken: csrf });
      expect((await withCookie('/v1/images')).status).toBe(200);
      expect((await fetch(`${origin.url}/v1/images`, { headers: { cookie: 'pixelfront_session=forged-value' } })).status).toBe(401);
    });

    it('refuses a cookie-authenticated change without the CSRF header (403) and does nothing', async () => {
      const upload = await fetch(`${origin.url}/v1/images`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme-secret-key', 'content-type': 'image/png' },
        body: await png(1),
      });
      const { id } = (await upload.json()) as { id: string };

      const bare = await withCookie(`/v1/images/${id}`, { method: 'DELETE' });
      expect(bare.status).toBe(403);
      expect(await bare.json()).toMatchObject({ code: 'csrf_required', status: 403 });
      const wrong = await withCookie(`/v1/images/${id}`, {
        method: 'DELETE',
        headers: { 'x-pixelfront-csrf': csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
      });
      expect(wrong.status).toBe(403);
      expect((await withCookie(`/v1/images/${id}`)).status).toBe(200);

      // What a cross-site HTML form can send: a multipart POST with the cookie and no custom header.
      const form = new FormData();
      form.append('files', new Blob([new Uint8Array(await png(2))], { type: 'image/png' }), 'evil.png');
      const forged = await withCookie('/v1/images', { method: 'POST', body: form });
      expect(forged.status).toBe(403);
      const list = (await (await withCookie('/v1/images')).json()) as { items: { id: string }[] };
      expect(list.items.map((item) => item.id)).toEqual([id]);

      const allowed = await withCookie(`/v1/images/${id}`, { method: 'DELETE', headers: { 'x-pixelfront-csrf': csrf } });
      expect(allowed.status).toBe(204);
    });

    it('leaves bearer keys unchanged: no CSRF header needed, another tenant stays apart', async () => {
      const upload = await fetch(`${origin.url}/v1/images`, {
        method: 'POST',
        headers: { authorization: 'Bearer beta-secret-key', 'content-type': 'image/png' },
        body: await png(3),
      });
      expect(upload.status).toBe(201);
      const { id } = (await upload.json()) as { id: string };
      expect((await withCookie(`/v1/images/${id}`)).status).toBe(404);
      expect(
        (await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer beta-secret-key' } })).status,
      ).toBe(204);
    });

    it('is honoured by another origin on the same catalog', async () => {
      if (engine.name !== 'PostgreSQL') return; // two SQLite origins do not share a catalog by design
      const replica = await startTestOrigin({ API_KEYS: KEYS, ...engine.env() });
      try {
        expect((await fetch(`${replica.url}/v1/sessions/current`, { headers: { cookie } })).status).toBe(200);
      } finally {
        await replica.destroy();
      }
    });

    it('signs out with DELETE /v1/sessions/current (CSRF header required), after which the cookie is refused', async () => {
      expect((await withCookie('/v1/sessions/current', { method: 'DELETE' })).status).toBe(403);
      const out = await withCookie('/v1/sessions/current', { method: 'DELETE', headers: { 'x-pixelfront-csrf': csrf } });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^pixelfront_session=;.*Max-Age=0/);
      expect((await withCookie('/v1/images')).status).toBe(401);
      expect((await withCookie('/v1/sessions/current')).status).toBe(401);
    });
  });
}

describe('session lifetime', () => {
  it('expires after SESSION_TTL_HOURS and ends when its key leaves API_KEYS', async () => {
    const origin = await startTestOrigin({ API_KEYS: KEYS, SESSION_TTL_HOURS: '0.0005' }); // 1.8 s
    let dataDir = origin.dataDir;
    try {
      const signIn = async (key: string) => {
        const response = await fetch(`${origin.url}/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key }),
        });
        return cookiePair(response);
      };
      const short = await signIn('acme-secret-key');
      expect((await fetch(`${origin.url}/v1/images`, { headers: { cookie: short } })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect((await fetch(`${origin.url}/v1/images`, { headers: { cookie: short } })).status).toBe(401);
      const beta = await signIn('beta-secret-key');
      await origin.close();
      const restarted = await startTestOrigin({ API_KEYS: 'acme:acme-secret-key', DATA_DIR: dataDir });
      dataDir = restarted.dataDir;
      try {
        expect((await fetch(`${restarted.url}/v1/images`, { headers: { cookie: beta } })).status).toBe(401);
      } finally {
        await restarted.destroy();
      }
    } finally {
      await origin.destroy();
    }
  });

  it('needs no sign-in in open mode and says so', async () => {
    const origin = await startTestOrigin();
    try {
      expect(await (await fetch(`${origin.url}/v1/sessions/current`)).json()).toEqual({ mode: 'open', tenant: 'default' });
      const signIn = await fetch(`${origin.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"key":"whatever-key"}',
      });
      expect(signIn.status).toBe(400);
    } finally {
      await origin.destroy();
    }
  });
});
