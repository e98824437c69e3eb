import { fail, isPixelfrontError, type PixelfrontError } from '../../core/errors.ts';

/**
 * Turns an error raised while libvips executed a pipeline on the source into a PixelfrontError.
 * Only call it around execution (toBuffer/metadata): errors thrown while building a pipeline are
 * programming errors and must stay loud.
 */
export function sourceError(error: unknown, context: { hevc?: boolean } = {}): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout/i.test(message)) return renderTimeout(error);
  if (/exceeds pixel limit|exceed 32767x32767|too large/i.test(message)) {
    return fail('image_too_large', 'the source image is larger than this service decodes', { cause: error });
  }
  if (/unsupported image format/i.test(message)) {
    return fail('unsupported_media_type', 'the source is not in a format this service can read', { cause: error });
  }
  if (context.hevc || /compression format has not been built in|no decoder|not supported/i.test(message)) {
    return fail('unsupported_media_type', 'the source uses a codec this build cannot decode (e.g. HEVC-coded HEIC)', { cause: error });
  }
  return fail('corrupt_image', 'the source image could not be decoded', { cause: error });
}

/** A render past its deadline: 503 `unavailable`, retryable, since the same request may pass on a less busy origin. */
export function renderTimeout(cause?: unknown): PixelfrontError {
  return fail('unavailable', 'rendering took longer than the render deadline', { retryAfter: 1, cause });
}
