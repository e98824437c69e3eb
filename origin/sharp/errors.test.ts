import { describe, expect, it } from 'vitest';
import { classifySharpError, decodeError, sourceError } from './errors.ts';

const failures = {
  'Input image exceeds pixel limit': { kind: 'too_large', render: 'image_too_large', upload: 'image_too_large' },
  'svgload: image would exceed 32767x32767': { kind: 'too_large', render: 'image_too_large', upload: 'image_too_large' },
  'Input buffer contains unsupported image format': {
    kind: 'unsupported_format',
    render: 'unsupported_media_type',
    upload: 'unsupported_media_type',
  },
  'heifload: Compression format has not been built in': {
    kind: 'missing_codec',
    render: 'unsupported_media_type',
    upload: 'unsupported_media_type',
  },
  'timeout: 1% complete': { kind: 'timeout', render: 'unavailable', upload: 'corrupt_image' },
  'VipsJpeg: Premature end of JPEG file': { kind: 'undecodable', render: 'corrupt_image', upload: 'corrupt_image' },
} as const;

describe('sharp error mapping', () => {
  it('reads one libvips message the same way for renders and uploads; only a timeout differs (retryable when rendering)', () => {
    for (const [message, expected] of Object.entries(failures)) {
      const error = new Error(message);
      expect([message, classifySharpError(error)]).toEqual([message, expected.kind]);
      expect([message, sourceError(error).code]).toEqual([message, expected.render]);
      expect([message, decodeError(error, undefined).code]).toEqual([message, expected.upload]);
    }
  });

  it('never echoes the server file path in an upload’s detail', () => {
    const error = decodeError(new Error('/data/tmp/u1: bad seek to 12\n/data/tmp/u1: bad seek to 12'), '/data/tmp/u1');
    expect(error.message).toBe('the image data does not decode: bad seek to 12');
  });

  it('calls any render failure of an HEVC source a missing codec', () => {
    expect(sourceError(new Error('bad seek to 1200'), { hevc: true }).code).toBe('unsupported_media_type');
  });
});
