import { describe, expect, it } from 'vitest';
import { etagMatches } from './conditional.ts';

describe('etagMatches', () => {
  it('matches the same strong tag, a weak spelling of it, a list holding it and *', () => {
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches('"x", "abc"', '"abc"')).toBe(true);
    expect(etagMatches('*', '"abc"')).toBe(true);
  });

  it('does not match another tag, a missing header or a response without ETag', () => {
    expect(etagMatches('"abd"', '"abc"')).toBe(false);
    expect(etagMatches(undefined, '"abc"')).toBe(false);
    expect(etagMatches('"abc"', null)).toBe(false);
  });
});
