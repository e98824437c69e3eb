import { fail, isPixelfrontError, type PixelfrontError } from '../../core/errors.ts';

/**
 * What a sharp/libvips failure on user input means, read from its message by one list of patterns,
 * so an upload and a render call the same failure the same thing. Each side words its own answer:
 * a render's timeout is retryable (503), an upload's is a file refused (422).
 */
export type SharpFailure = 'timeout' | 'too_large' | 'unsupported_format' | 'missing_codec' | 'undecodable';

const patterns: ReadonlyArray<[SharpFailure, RegExp]> = [
  ['timeout', /timeout/i],
  ['too_large', /exceeds pixel limit|exceed 32767x32767|too large/i],
  ['unsupported_format', /unsupported image format/i],
  ['missing_codec', /compression format has not been built in|no decoder|not supported/i],
];

export function classifySharpError(error: unknown): SharpFailure {
  const message = messageOf(error);
  return patterns.find(([, pattern]) => pattern.test(message))?.[0] ?? 'undecodable';
}

/**
 * A failure while a render's pipeline ran on the source. Only call it around execution
 * (toBuffer/metadata): errors thrown while building a pipeline are programming errors and must
 * stay loud. `hevc`: the header said HEVC, which this build cannot decode, whatever the message.
 */
export function sourceError(error: unknown, context: { hevc?: boolean } = {}): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  const failure = classifySharpError(error);
  if (failure === 'timeout') return renderTimeout(error);
  if (failure === 'too_large') return fail('image_too_large', 'the source image is larger than this service decodes', { cause: error });
  if (failure === 'unsupported_format') {
    return fail('unsupported_media_type', 'the source is not in a format this service can read', { cause: error });
  }
  if (context.hevc || failure === 'missing_codec') {
    return fail('unsupported_media_type', 'the source uses a codec this build cannot decode (e.g. HEVC-coded HEIC)', { cause: error });
  }
  return fail('corrupt_image', 'the source image could not be decoded', { cause: error });
}

/** A render past its deadline: 503 `unavailable`, retryable, since the same request may pass on a less busy origin. */
export function renderTimeout(cause?: unknown): PixelfrontError {
  return fail('unavailable', 'rendering took longer than the render deadline', { retryAfter: 1, cause });
}

/**
 * A failure while an upload was decoded: too many pixels is 422 image_too_large, a format or codec
 * this build cannot read 415, a timeout or anything else 422 corrupt_image. The file path is never echoed.
 */
export function decodeError(error: unknown, path: string | undefined): PixelfrontError {
  if (isPixelfrontError(error)) return error;
  const failure = classifySharpError(error);
  if (failure === 'too_large') return fail('image_too_large', 'the image has more pixels than this server accepts', { cause: error });
  if (failure === 'timeout') return fail('corrupt_image', 'the image could not be decoded within the time limit', { cause: error });
  const detail = publicDetail(messageOf(error), path);
  if (failure === 'unsupported_format' || failure === 'missing_codec') {
    return fail('unsupported_media_type', `the image cannot be decoded by this server: ${detail}`, { cause: error });
  }
  return fail('corrupt_image', `the image data does not decode: ${detail}`, { cause: error });
}

/** libvips' message for a client: without the server's file path, each distinct line once, at most 200 characters. */
export function publicDetail(message: string, path: string | undefined): string {
  const text = path === undefined ? message : message.split(path).join('');
  // libvips repeats lines and puts the generic one first; keep each distinct line once.
  const lines = [
    ...new Set(
      text
        .split('\n')
        .map((line) => line.replace(/^[:\s]+|[:\s]+$/g, ''))
        .filter((line) => line !== ''),
    ),
  ];
  return (lines.length === 0 ? 'unreadable data' : lines.join('; ')).slice(0, 200);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
