import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { builtInPresets } from '../../core/presets.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { canonicalTransform, eagerNames, formatsFor, planEager, planTransforms } from './plan.ts';
import { variantIdentity, variantRequest } from './variant-identity.ts';

const grammar = { presets: builtInPresets, maxOutputDimension: 4000 };

const image = { id: 'planTest0001', format: 'png', hasAlpha: true, frames: 1, width: 1000, height: 800 } as ImageRecord;

describe('transform planning', () => {
  it('gives equivalent spellings one canonical form, with f kept out of the variant identity', () => {
    const a = canonicalTransform(grammar, 'h_100,w_200,f_webp');
    const b = canonicalTransform(grammar, 'w_200,h_100');
    expect(a.canonicalWithoutFormat).toBe(b.canonicalWithoutFormat);
    expect(a.canonical).not.toBe(b.canonical);
    expect(variantRequest(image, a, 'webp').identity).toEqual(variantRequest(image, b, 'webp').identity);
  });

  it('parses against the grammar context alone: its MAX_OUTPUT_DIMENSION and presets', () => {
    expect(() => canonicalTransform(grammar, 'w_4001')).toThrow(/4000/);
    expect(canonicalTransform(grammar, 't_thumb').canonical).toBe(canonicalTransform(grammar, 'c_fill,w_200,h_200').canonical);
  });

  it('plans eager presets once each, from a comma list or a JSON list, and refuses an unknown one', () => {
    expect(eagerNames(' thumb, ,card ')).toEqual(['thumb', 'card']);
    expect(planEager(grammar, 'thumb,card,thumb').map((planned) => planned.label)).toEqual(['thumb', 'card']);
    expect(planEager(grammar, ['og']).map((planned) => planned.label)).toEqual(['og']);
    expect(planEager(grammar, undefined)).toEqual([]);
    const refused = (() => {
      try {
        planEager(grammar, 'thumb,nope');
      } catch (error) {
        return error;
      }
    })();
    expect(isPixelfrontError(refused) && refused.code).toBe('invalid_transform');
  });

  it('labels raw transforms by their canonical ops and plans one format per negotiable token for f_auto', () => {
    const [planned] = planTransforms(grammar, { presets: [], transforms: ['w_50,f_auto'] });
    expect(planned?.label).toBe(canonicalTransform(grammar, 'w_50,f_auto').canonical);
    expect(formatsFor(planned!, image)).toEqual(['jxl', 'avif', 'webp', 'png']);
  });

  it('plans no JPEG XL for an f_auto output over the 16 MP its encoder holds, the default format instead', () => {
    const large = { ...image, format: 'jpeg', hasAlpha: false, width: 6000, height: 4000 } as ImageRecord;
    expect(formatsFor(canonicalTransform(grammar, 'f_auto'), large)).toEqual(['jpeg', 'avif', 'webp']);
    expect(formatsFor(canonicalTransform(grammar, 'w_3000,f_auto'), large)).toEqual(['jxl', 'avif', 'webp', 'jpeg']);
    // A pad canvas counts, not the image inside it.
    const wide = { ...grammar, maxOutputDimension: 8192 };
    expect(formatsFor(canonicalTransform(wide, 'c_pad,w_5000,h_5000,f_auto'), image)).toEqual(['png', 'avif', 'webp']);
    expect(formatsFor(canonicalTransform(wide, 'c_pad,w_4000,h_4000,f_auto'), image)).toEqual(['jxl', 'avif', 'webp', 'png']);
  });

  it('hands the variant service the hash and key of exactly the request it renders', () => {
    const request = variantRequest(image, canonicalTransform(grammar, 'w_20'), 'png');
    expect(request.spec).toMatchObject({ w: 20, f: 'png' });
    expect(request.identity).toEqual(variantIdentity(image.id, 'w_20', 'png'));
    expect(request.identity.key).toBe(`variants/${image.id}/${request.identity.hash}.png`);
  });
});
