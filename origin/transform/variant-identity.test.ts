import { describe, expect, it } from 'vitest';
import { builtInPresets } from '../../core/presets.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { canonicalTransform } from './plan.ts';
import { variantIdentity, variantRequest } from './variant-identity.ts';

const image = { id: 'identity0001', format: 'jpeg', hasAlpha: false, frames: 1, width: 1000, height: 800 } as ImageRecord;
const baseline = { presets: builtInPresets, maxOutputDimension: 8192 };
const progressiveByDefault = { ...baseline, jpegProgressive: true };

describe('the variant identity of progressive JPEGs', () => {
  it('keeps the hash of a baseline JPEG as it was before fl existed', () => {
    const request = variantRequest(image, canonicalTransform(baseline, 'w_200'), 'jpeg');
    expect(request.identity).toEqual(variantIdentity(image.id, 'w_200', 'jpeg'));
    expect(request.spec).toEqual({ w: 200, f: 'jpeg' });
  });

  it('gives fl_progressive its own JPEG variant, and the render a spec that says so', () => {
    const flagged = variantRequest(image, canonicalTransform(baseline, 'w_200,fl_progressive'), 'jpeg');
    expect(flagged.identity.hash).not.toBe(variantIdentity(image.id, 'w_200', 'jpeg').hash);
    expect(flagged.spec).toEqual({ w: 200, f: 'jpeg', fl: 'progressive' });
  });

  it('makes JPEG_PROGRESSIVE one variant with fl_progressive, and leaves other formats alone', () => {
    const flagged = variantRequest(image, canonicalTransform(baseline, 'w_200,fl_progressive'), 'jpeg');
    const byDefault = variantRequest(image, canonicalTransform(progressiveByDefault, 'w_200'), 'jpeg');
    expect(byDefault.identity).toEqual(flagged.identity);
    expect(byDefault.spec).toEqual(flagged.spec);
    const webp = variantRequest(image, canonicalTransform(progressiveByDefault, 'w_200,f_auto,fl_progressive'), 'webp');
    expect(webp.identity).toEqual(variantRequest(image, canonicalTransform(baseline, 'w_200'), 'webp').identity);
    expect(webp.spec).toEqual({ w: 200, f: 'webp' });
  });
});

describe('the variant identity of client-hinted specs', () => {
  const hinted = (ops: string, values: { width?: number; dpr?: number }, source = image) =>
    variantRequest(source, canonicalTransform(baseline, ops), 'jpeg', { values, maxOutputDimension: 8192 });
  const explicit = (ops: string) => variantRequest(image, canonicalTransform(baseline, ops), 'jpeg');

  it('is the variant of the width the hint resolves to, capped by the source', () => {
    expect(hinted('w_auto', { width: 700 }).identity).toEqual(explicit('w_700').identity);
    expect(hinted('w_auto', { width: 700 }).spec).toEqual({ w: 700, f: 'jpeg' });
    expect(hinted('w_auto', { width: 3000 }).identity).toEqual(explicit('w_1000').identity);
    expect(hinted('c_fill,w_auto,ar_2:1', { width: 600 }).identity).toEqual(explicit('c_fill,w_600,h_300').identity);
    expect(hinted('w_300,dpr_auto', { dpr: 2 }).identity).toEqual(explicit('w_600').identity);
  });

  it('renders the fallback and a DPR of 1 without hints (batches, eager presets)', () => {
    expect(explicit('w_auto:640').identity).toEqual(explicit('w_640').identity);
    expect(explicit('w_auto').identity).toEqual(explicit('w_800').identity);
    expect(explicit('w_300,dpr_auto').spec).toEqual({ w: 300, f: 'jpeg' });
  });

  it('does not cap an SVG source, which renders at any size', () => {
    const svg = { ...image, format: 'svg' } as ImageRecord;
    expect(hinted('w_auto', { width: 3000 }, svg).spec).toEqual({ w: 3000, f: 'jpeg' });
  });
});
