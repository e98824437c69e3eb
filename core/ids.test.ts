import { describe, expect, it } from 'vitest';
import { fromBase64Url } from './base64url.ts';
import { isValidImageId, newImageId } from './ids.ts';

describe('image ids', () => {
  it('validates the SPEC pattern [A-Za-z0-9_-]{8,64}', () => {
    for (const id of ['abcdefgh', 'A1_-b2C3', 'x'.repeat(64)]) expect(isValidImageId(id)).toBe(true);
    for (const id of ['', 'short', 'x'.repeat(65), 'abc/defgh', 'abcdefg.h', '../../etc', 'abcdefgh\n', 'äbcdefgh']) {
      expect(isValidImageId(id)).toBe(false);
    }
  });

  it('generates valid, distinct ids of 128 random bits', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newImageId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(isValidImageId(id)).toBe(true);
      expect(fromBase64Url(id)?.length).toBe(16);
    }
  });
});
