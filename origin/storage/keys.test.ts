import fc from 'fast-check';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { isValidKey, validateKey, validatePrefix } from './keys.ts';

const root = resolve('/srv/objects');

describe('validateKey', () => {
  it('accepts the SPEC layout', () => {
    for (const key of [
      'originals/01J0ABC',
      'variants/01J0ABC/5f2c.webp',
      'watermarks/t-1/logo_2.png',
      'uploads/u/00001',
      'a',
      '.hidden/x',
      'a..b',
    ]) {
      expect(validateKey(key)).toBe(key);
    }
  });

  it('rejects with invalid_request', () => {
    for (const key of [
      '',
      '/a',
      'a/',
      'a//b',
      '.',
      '..',
      'a/./b',
      'a/../b',
      '../a',
      'a\\b',
      'a b',
      'a\0b',
      'a/%2e%2e',
      'x'.repeat(256),
      `${'a/'.repeat(512)}a`,
    ]) {
      let caught: unknown;
      try {
        validateKey(key);
      } catch (error) {
        caught = error;
      }
      expect(isPixelfrontError(caught) ? caught.code : caught, JSON.stringify(key.slice(0, 40))).toBe('invalid_request');
    }
  });

  it('never lets an accepted key leave the root (property)', () => {
    const alphabet = fc.constantFrom('a', 'Z', '0', '.', '_', '-', '/', '\\', '%', ' ', '\0', '~');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 40 }), (key) => {
        if (!isValidKey(key)) return;
        const path = join(root, ...key.split('/'));
        expect(path.startsWith(root + sep)).toBe(true);
        expect(relative(root, path).split(sep).join('/')).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('validatePrefix', () => {
  it('accepts empty, folder and partial prefixes', () => {
    for (const prefix of ['', 'variants/', 'variants/ab', 'orig']) expect(validatePrefix(prefix)).toBe(prefix);
  });

  it('rejects escaping or malformed prefixes', () => {
    for (const prefix of ['/', '/a', 'a//', '../', '..', 'a/./', 'a b']) expect(() => validatePrefix(prefix), prefix).toThrow();
  });
});
