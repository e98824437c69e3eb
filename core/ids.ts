/** Image ids (SPEC section 3): `[A-Za-z0-9_-]{8,64}`; generated ones carry 128 random bits. */
import { toBase64Url } from './base64url.ts';

export const IMAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function isValidImageId(id: string): boolean {
  return IMAGE_ID.test(id);
}

/** 16 random bytes as 22 base64url characters. */
export function newImageId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
