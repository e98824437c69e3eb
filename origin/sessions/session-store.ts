import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../catalog/schema.ts';

export interface SessionsTable {
  token_hash: string;
  tenant: string;
  key_hash: string;
  /** Epoch milliseconds. */
  created_at: number;
  expires_at: number;
}

export type SessionTables = { sessions: SessionsTable };

export interface Session {
  tenant: string;
  keyHash: string;
  expiresAt: Date;
  /** The value X-Pixelfront-CSRF must carry on changes made with this session. */
  csrfToken: string;
}

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * The CSRF token is derived from the session token, so it needs no column of its own and only a
 * holder of the cookie's value (or the page it was handed to) can know it.
 */
const csrfOf = (token: string) => createHash('sha256').update(`csrf:${token}`).digest('base64url');

/**
 * Sessions in the catalog database, so every origin replica honours a cookie any of them issued.
 * Only hashes are stored; the token itself exists in the cookie alone.
 */
export class SessionStore {
  private readonly db: Kysely<Database & SessionTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<SessionTables>();
  }

  async create(tenant: string, keyHash: string, ttlMs: number, now = Date.now()): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + ttlMs;
    // Expired rows are cleared as new ones arrive: sign-ins are rare, and the index makes it cheap.
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
    await this.db
      .insertInto('sessions')
      .values({ token_hash: sha256Hex(token), tenant, key_hash: keyHash, created_at: now, expires_at: expiresAt })
      .execute();
    return { token, session: { tenant, keyHash, expiresAt: new Date(expiresAt), csrfToken: csrfOf(token) } };
  }

  /** The live session of a cookie's token, or null (unknown, signed out or expired). */
  async find(token: string, now = Date.now()): Promise<Session | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const row = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    if (row === undefined || Number(row.expires_at) <= now) return null;
    return { tenant: row.tenant, keyHash: row.key_hash, expiresAt: new Date(Number(row.expires_at)), csrfToken: csrfOf(token) };
  }

  async delete(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
  }
}

/** Constant-time comparison of a sent CSRF header with the session's token. */
export function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
