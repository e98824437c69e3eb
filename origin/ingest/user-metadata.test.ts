import { describe, expect, it } from 'vitest';
import { applyMetadataPatch, mergePatch, userMetadataFromText } from './user-metadata.ts';

describe('mergePatch (RFC 7396)', () => {
  // The examples of the RFC's appendix A.
  const examples: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of examples) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      expect(mergePatch(target, patch)).toEqual(result);
    });
  }
});

describe('user metadata', () => {
  const current = { filename: 'a.png', title: 'T', alt: null, tags: ['x'], meta: { k: 1 } };

  it('normalises tags: trimmed, lower-case, unique, empty items dropped', () => {
    expect(userMetadataFromText((name) => (name === 'tags' ? ' A, b ,a,,B:c ' : undefined)).tags).toEqual(['a', 'b', 'b:c']);
    expect(userMetadataFromText(() => undefined)).toEqual({ title: null, alt: null, tags: [], meta: null });
  });

  it('patches field by field and refuses what may not change', () => {
    expect(applyMetadataPatch(current, { alt: 'new', meta: { k: null, j: 2 } })).toEqual({ ...current, alt: 'new', meta: { j: 2 } });
    expect(applyMetadataPatch(current, { title: null, tags: null, filename: null })).toEqual({
      ...current,
      title: null,
      tags: [],
      filename: null,
    });
    expect(() => applyMetadataPatch(current, { format: 'png' })).toThrow(/^format: cannot be changed/);
    expect(() => applyMetadataPatch(current, { meta: { big: 'x'.repeat(4096) } })).toThrow(/^meta: must be at most 4096 bytes/);
  });
});
