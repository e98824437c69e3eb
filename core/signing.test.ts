import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './grammar/canonical.ts';
import { builtInPresets } from './presets.ts';
import { canonicalImagePath, signPath, verifySignature } from './signing.ts';

const context = { presets: builtInPresets, maxOutputDimension: 8192 };
const id = 'AbCdEf123_-xyz';
const path = canonicalImagePath(id, 'c_fill,w_400,h_300');
const now = 1_800_000_000;

describe('signPath', () => {
  it('is base64url HMAC-SHA256 of the canonical path without padding (checked against node:crypto)', async () => {
    const sig = await signPath(path, 'secret-one');
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sig).toBe(createHmac('sha256', 'secret-one').update(path).digest('base64url'));
  });

  it('appends ?exp= to the signed message when an expiry is given', async () => {
    const sig = await signPath(path, 'secret-one', now + 60);
    expect(sig).toBe(
      createHmac('sha256', 'secret-one')
        .update(`${path}?exp=${now + 60}`)
        .digest('base64url'),
    );
    expect(sig).not.toBe(await signPath(path, 'secret-one'));
  });

  it('rejects a non-integer expiry', async () => {
    await expect(signPath(path, 'k', 1.5)).rejects.toThrow(RangeError);
  });

  it('builds canonical paths, the original without a trailing slash', () => {
    expect(canonicalImagePath(id, '')).toBe(`/img/${id}`);
    expect(canonicalImagePath(id, 'w_10')).toBe(`/img/${id}/w_10`);
  });
});

describe('verifySignature', () => {
  it('round-trips, with and without expiry', async () => {
    expect(await verifySignature({ path, sig: await signPath(path, 'k1') }, ['k1'], now)).toBe(true);
    const exp = now + 3600;
    expect(await verifySignature({ path, sig: await signPath(path, 'k1', exp), exp }, ['k1'], now)).toBe(true);
    expect(await verifySignature({ path, sig: await signPath(path, 'k1', exp), exp: String(exp) }, ['k1'], now)).toBe(true);
  });

  it('accepts any of several keys (rotation) and refuses an unknown one', async () => {
    const oldSig = await signPath(path, 'old-key');
    expect(await verifySignature({ path, sig: oldSig }, ['new-key', 'old-key'], now)).toBe(true);
    expect(await verifySignature({ path, sig: oldSig }, ['new-key'], now)).toBe(false);
    expect(await verifySignature({ path, sig: oldSig }, [], now)).toBe(false);
    expect(await verifySignature({ path, sig: oldSig }, ['', 'old-key'], now)).toBe(true);
  });

  it('refuses tampered paths, signatures and expiries', async () => {
    const exp = now + 60;
    const sig = await signPath(path, 'k', exp);
    expect(await verifySignature({ path: canonicalImagePath(id, 'c_fill,w_401,h_300'), sig, exp }, ['k'], now)).toBe(false);
    expect(await verifySignature({ path, sig, exp: exp + 1 }, ['k'], now)).toBe(false);
    expect(await verifySignature({ path, sig }, ['k'], now)).toBe(false);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(await verifySignature({ path, sig: flipped, exp }, ['k'], now)).toBe(false);
    expect(await verifySignature({ path, sig: `${sig}=`, exp }, ['k'], now)).toBe(false);
    expect(await verifySignature({ path, sig: sig.slice(0, 42), exp }, ['k'], now)).toBe(false);
  });

  it('accepts only the one spelling of a signature (its last character carries 2 unused bits)', async () => {
    const sig = await signPath(path, 'k');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.slice(-1));
    // The same 32 bytes with the unused low bits set: a decoder that ignores them accepts these.
    const respellings = [1, 2, 3].map((bits) => sig.slice(0, -1) + alphabet.charAt(last | bits)).filter((spelling) => spelling !== sig);
    expect(respellings.length).toBeGreaterThan(0);
    for (const spelling of respellings) {
      expect(await verifySignature({ path, sig: spelling }, ['k'], now), spelling).toBe(false);
    }
    expect(await verifySignature({ path, sig }, ['k'], now)).toBe(true);
  });

  it('refuses missing, malformed and expired input without throwing', async () => {
    const exp = now - 1;
    const sig = await signPath(path, 'k', exp);
    expect(await verifySignature({ path, sig, exp }, ['k'], now)).toBe(false);
    expect(await verifySignature({ path, sig, exp }, ['k'], now - 1)).toBe(true); // valid up to and including exp
    for (const bad of [undefined, null, '', '!!!', 'a', '%%%%']) {
      expect(await verifySignature({ path, sig: bad }, ['k'], now)).toBe(false);
    }
    for (const badExp of ['soon', '-1', '1e9', '', '12.5']) {
      expect(await verifySignature({ path, sig, exp: badExp }, ['k'], now)).toBe(false);
    }
  });

  it('gives every equivalent spelling the same signature', async () => {
    const spellings = ['t_thumb,dpr_2', 'h_400,c_fill,w_400', 'w_0200,h_200,c_fill,dpr_2.0,g_center'];
    const paths = spellings.map((ops) => canonicalImagePath(id, canonicalize(ops, context).canonical));
    const sig = await signPath(paths[0] ?? '', 'k');
    for (const signedPath of paths) {
      expect(signedPath).toBe(`/img/${id}/c_fill,w_400,h_400`);
      expect(await verifySignature({ path: signedPath, sig }, ['k'], now)).toBe(true);
    }
  });
});
