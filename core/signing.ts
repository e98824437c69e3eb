/**
 * Signed URLs (SPEC section 3): `sig = base64url(HMAC-SHA256(key, P))` without padding, where P is
 * the canonical path plus `?exp=<unix seconds>` when the URL carries `exp`. Signing the canonical
 * path makes every equivalent spelling carry the same signature. WebCrypto only, so the edge and
 * the origin run this same code.
 */
import { fromBase64Url, toBase64Url } from './base64url.ts';

const encoder = new TextEncoder();

/** `/img/<id>/<canonical>`, or `/img/<id>` when the canonical ops are empty (the original). */
export function canonicalImagePath(id: string, canonical: string): string {
  return canonical === '' ? `/img/${id}` : `/img/${id}/${canonical}`;
}

function signedMessage(path: string, exp: number | undefined): Uint8Array {
  return encoder.encode(exp === undefined ? path : `${path}?exp=${exp}`);
}

function importKey(secret: string) {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** The `sig` value for a canonical path (see canonicalImagePath), optionally expiring at `exp`. */
export async function signPath(path: string, key: string, exp?: number): Promise<string> {
  if (exp !== undefined && !isUnixSeconds(exp)) throw new RangeError(`exp must be a non-negative integer of unix seconds, got ${exp}`);
  const signature = await crypto.subtle.sign('HMAC', await importKey(key), signedMessage(path, exp));
  return toBase64Url(new Uint8Array(signature));
}

function isUnixSeconds(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** `exp` as it arrives in a query string: digits only, else the URL is treated as unsigned. */
function readExp(exp: number | string | null | undefined): number | undefined | 'invalid' {
  if (exp === undefined || exp === null) return undefined;
  if (typeof exp === 'number') return isUnixSeconds(exp) ? exp : 'invalid';
  return /^\d{1,15}$/.test(exp) ? Number(exp) : 'invalid';
}

export interface SignedRequest {
  /** The canonical path, never the URL as spelled. */
  path: string;
  sig: string | null | undefined;
  exp?: number | string | null | undefined;
}

/**
 * True when `sig` is a valid signature of the request under any of `keys` (rotation: the first
 * key signs, all verify) and `exp`, if present, is not in the past. crypto.subtle.verify compares
 * in constant time.
 */
export async function verifySignature(request: SignedRequest, keys: readonly string[], nowSeconds: number): Promise<boolean> {
  const exp = readExp(request.exp);
  if (exp === 'invalid' || (exp !== undefined && exp < nowSeconds)) return false;
  const signature = typeof request.sig === 'string' ? fromBase64Url(request.sig) : undefined;
  if (signature === undefined || signature.length !== 32) return false;
  const message = signedMessage(request.path, exp);
  // Every key is tried (no early exit), so timing does not reveal which key matched.
  // WebCrypto refuses zero-length HMAC keys; an empty key can verify nothing.
  const results = await Promise.all(
    keys.filter((key) => key !== '').map(async (key) => crypto.subtle.verify('HMAC', await importKey(key), signature, message)),
  );
  return results.includes(true);
}
