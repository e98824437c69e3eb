import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { builtInPresets } from '../../core/presets.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { canonicalTransform, eagerNames, formatsFor, planEager, planTransforms } from './plan.ts';
import { variantIdentity, variantRequest } from './variant-identity.ts';

const grammar = { presets: builtInPresets, maxOutputDimension: 4000 };

const image = { id: 'planTest0001', format: 'png', hasAlpha: true, frames: 1 } as ImageRecord;

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
    expect(formatsFor(planned!, image)).toEqual(['avif', 'webp', 'png']);
  });

  it('hands the variant service the hash and key of exactly the request it renders', () => {
    const request = variantRequest(image, canonicalTransform(grammar, 'w_20'), 'png');
    expect(request.spec).toMatchObject({ w: 20, f: 'png' });
    expect(request.identity).toEqual(variantIdentity(image.id, 'w_20', 'png'));
    expect(request.identity.key).toBe(`variants/${image.id}/${request.identity.hash}.png`);
  });
});
