import { describe, expect, it } from 'vitest';
import { validateKey, validatePrefix } from './keys.ts';
import {
  ladderKey,
  ladderPrefix,
  originalKey,
  uploadObjectKey,
  uploadPrefix,
  variantKey,
  variantPrefix,
  VARIANTS_PREFIX,
  watermarkKey,
} from './layout.ts';

describe('storage layout (SPEC section 7)', () => {
  it('spells every key as the SPEC does, and every key is valid on every backend', () => {
    const keys = {
      [originalKey('01J0ABC')]: 'originals/01J0ABC',
      [variantKey('01J0ABC', '9f86d081', 'webp')]: 'variants/01J0ABC/9f86d081.webp',
      [ladderKey('01J0ABC', 2048, 'webp')]: 'ladder/01J0ABC/2048.webp',
      [watermarkKey('tenant_a', 'logo')]: 'watermarks/tenant_a/logo',
      [uploadObjectKey('u1')]: 'uploads/u1/object',
    };
    for (const [key, expected] of Object.entries(keys)) expect(validateKey(key)).toBe(expected);
  });

  it('puts each key under its prefix', () => {
    expect(variantKey('img', 'h', 'png').startsWith(variantPrefix('img'))).toBe(true);
    expect(variantPrefix('img').startsWith(VARIANTS_PREFIX)).toBe(true);
    expect(ladderKey('img', 512, 'avif').startsWith(ladderPrefix('img'))).toBe(true);
    expect(uploadObjectKey('u').startsWith(uploadPrefix('u'))).toBe(true);
    for (const prefix of [VARIANTS_PREFIX, variantPrefix('img'), ladderPrefix('img'), uploadPrefix('u')])
      expect(validatePrefix(prefix)).toBe(prefix);
  });
});
