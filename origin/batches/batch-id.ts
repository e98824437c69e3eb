import { randomBytes } from 'node:crypto';

/** Batch ids: `b_` and 128 random bits in base64url, so they never look like an image id. */
export function newBatchId(): string {
  return `b_${randomBytes(16).toString('base64url')}`;
}

export function isValidBatchId(id: string): boolean {
  return /^b_[A-Za-z0-9_-]{22}$/.test(id);
}
