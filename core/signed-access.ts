/**
 * The access rule for /img URLs under `SIGNED_URLS=required`, shared by the edge and the origin
 * so both refuse exactly the same requests: a valid `sig` (and unexpired `exp`) over the
 * canonical path, except for URLs that are just a public preset (`t_NAME`).
 */
import { fail } from './errors.ts';
import { verifySignature } from './signing.ts';

export interface SignedAccessPolicy {
  signedUrls: 'off' | 'required';
  signingKeys: readonly string[];
  publicPresets: readonly string[];
}

export interface SignedAccessRequest {
  /** The ops as spelled in the URL (empty for the original). */
  rawOps: string;
  canonicalPath: string;
  sig: string | null | undefined;
  exp: string | null | undefined;
}

/**
 * The single value of a signature query parameter (`sig`, `exp`), or undefined when absent. A
 * repeated one is 400: which copy counts would otherwise be up to each reader (the first here,
 * perhaps the last in a proxy or a cache in front), and a URL must mean one thing to all of them.
 */
export function singleSignatureParam(name: 'sig' | 'exp', values: readonly string[]): string | undefined {
  if (values.length > 1) throw fail('invalid_request', `the query parameter ${name} is given ${values.length} times; give it once`);
  return values[0];
}

export function isPublicPresetOps(rawOps: string, publicPresets: readonly string[]): boolean {
  const match = /^t_([A-Za-z0-9_-]{1,64})$/.exec(rawOps);
  return match !== null && publicPresets.includes(match[1] as string);
}

/** Throws 403 `invalid_signature` when the policy requires a signature this request lacks. */
export async function checkSignedAccess(
  policy: SignedAccessPolicy,
  request: SignedAccessRequest,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  if (policy.signedUrls !== 'required') return;
  if (isPublicPresetOps(request.rawOps, policy.publicPresets)) return;
  if (!request.sig) throw fail('invalid_signature', 'this URL must be signed: add ?sig=');
  const valid = await verifySignature({ path: request.canonicalPath, sig: request.sig, exp: request.exp }, policy.signingKeys, nowSeconds);
  if (!valid) throw fail('invalid_signature', 'the signature is wrong or has expired');
}
