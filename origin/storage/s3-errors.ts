import { S3ServiceException } from '@aws-sdk/client-s3';
import { fail, isPixelfrontError, type PixelfrontError } from '../../core/errors.ts';

/** How S3 failures are told apart and turned into public errors, alike for objects and multipart. */

export function isS3Error(error: unknown, ...names: string[]): boolean {
  return error instanceof S3ServiceException && names.includes(error.name);
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** A backend failure is 503 `unavailable` naming the key (never the bucket's credentials or URL). */
export function storageFailure(key: string, error: unknown): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  const name = error instanceof Error ? error.name : 'error';
  return fail('unavailable', `object storage failed on ${key} (${name})`, { cause: error });
}
