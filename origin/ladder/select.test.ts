import { describe, expect, it } from 'vitest';
import { builtInPresets } from '../../core/presets.ts';
import { planGeometry } from '../transform/geometry.ts';
import { canonicalTransform } from '../transform/plan.ts';
import { fitInside, mezzanineFormat, type LadderSource, type Rung } from './rungs.ts';
import { chooseRung, opsOnMezzanine } from './select.ts';

const grammar = { presets: builtInPresets, maxOutputDimension: 4000 };
/** Stored rungs of these sizes (which ones ingest makes is rungsFor's business, not selection's). */
function ladderOf(source: LadderSource, sizes: number[]): Rung[] {
  return sizes.map((size) => ({ size, ...fitInside(source, size), format: mezzanineFormat(source) }));
}

/** The 12 MP photo, upright: rungs 512 × 384, 1024 × 768, 2048 × 1536. */
const photo: LadderSource = { format: 'jpeg', width: 4032, height: 3024, frames: 1, hasAlpha: false };
const rungs = ladderOf(photo, [512, 1024, 2048]);

/** The rung chosen for `ops`, or 'original'. */
function chosen(ops: string, source: LadderSource = photo, present = ladderOf(source, [512, 1024, 2048])): number | 'original' {
  const { spec } = canonicalTransform(grammar, ops);
  return chooseRung(source, present, spec, { maxOutputDimension: 4000 })?.size ?? 'original';
}

describe('ladder selection: the smallest rung with 2 × the output along each axis of the region', () => {
  it('plain resizes: the smallest rung twice as wide and high as the output', () => {
    expect(rungs.map((rung) => [rung.width, rung.height])).toEqual([
      [512, 384],
      [1024, 768],
      [2048, 1536],
    ]);
    expect(chosen('w_800')).toBe(2048); // 1024 < 1600 ≤ 2048
    expect(chosen('w_512')).toBe(1024); // exactly 2 × is enough
    expect(chosen('w_513')).toBe(2048);
    expect(chosen('w_1024')).toBe(2048);
    expect(chosen('w_1025')).toBe('original');
    expect(chosen('h_768')).toBe(2048);
    expect(chosen('h_769')).toBe('original');
  });

  it('small outputs take the smallest rung; outputs too large, and no resize at all, the original', () => {
    expect(chosen('w_40')).toBe(512);
    expect(chosen('c_fill,w_32,h_32')).toBe(512);
    expect(chosen('w_3000')).toBe('original');
    expect(chosen('c_fit,w_4000')).toBe('original');
    expect(chosen('')).toBe('original');
    expect(chosen('a_90')).toBe('original');
  });

  it('dpr is applied first: w_400,dpr_2 needs what w_800 needs', () => {
    expect(chosen('w_400,dpr_2')).toBe(chosen('w_800'));
    expect(chosen('w_400,dpr_2')).toBe(2048);
    expect(chosen('w_600,dpr_2')).toBe('original');
    expect(chosen('w_200,dpr_1.5')).toBe(1024); // 300 px wide
  });

  it('c_fill: the covered region, not the whole source, must hold 2 × the output', () => {
    // 1:1 from 4:3 uses 3024 × 3024 of the source, 1536 × 1536 of the 2048 rung.
    expect(chosen('c_fill,w_400,h_400')).toBe(2048);
    expect(chosen('c_fill,w_384,h_384')).toBe(1024);
    expect(chosen('c_fill,w_768,h_768')).toBe(2048);
    expect(chosen('c_fill,w_769,h_769')).toBe('original');
    // A wide strip keeps the full width: 2048 × 512 of the 2048 rung.
    expect(chosen('c_fill,w_1000,h_250')).toBe(2048);
    expect(chosen('c_fill,w_1025,h_250')).toBe('original');
    expect(chosen('c_fill,w_400,h_400,g_north_east')).toBe(2048);
    expect(chosen('c_fill,w_400,h_400,g_auto')).toBe(2048);
  });

  it('focal points crop the same region as gravity does', () => {
    expect(chosen('c_fill,w_400,h_400,fp_0.9:0.1')).toBe(2048);
    expect(chosen('c_fill,w_384,h_384,fp_0.1:0.9')).toBe(1024);
    expect(chosen('c_fill,w_800,h_800,fp_0.5:0.5')).toBe('original');
  });

  it('c_crop cuts at the source scale, which no mezzanine holds twice: always the original', () => {
    expect(chosen('c_crop,w_100,h_100')).toBe('original');
    expect(chosen('c_crop,w_500,h_400,x_1000,y_800')).toBe('original');
  });

  it('only stored rungs count; animated and vector sources always use the original', () => {
    expect(chosen('w_100', photo, rungs.slice(2))).toBe(2048);
    expect(chosen('w_100', photo, [])).toBe('original');
    const gif = { format: 'gif', width: 4000, height: 3000, frames: 4, hasAlpha: false };
    expect(chosen('w_100', gif, ladderOf({ ...gif, frames: 1 }, [512]))).toBe('original');
    const svg = { format: 'svg', width: 4000, height: 3000, frames: 1, hasAlpha: true };
    expect(chosen('w_100', svg, ladderOf({ ...svg, format: 'png' }, [512]))).toBe('original');
  });

  it('a plan made on the original replays on the mezzanine: output sizes stay, source crops scale', () => {
    const { spec } = canonicalTransform(grammar, 'c_fill,w_400,h_400,fp_0.9:0.1');
    const plan = planGeometry(photo, spec, { animated: false });
    // Output coordinates (after the resize) are unchanged, so the focal cut is the same.
    expect(opsOnMezzanine(plan, { width: 2048, height: 1536 }, photo)).toEqual(plan.ops);
    const crop = {
      ops: [{ op: 'extract' as const, rect: { left: 1008, top: 756, width: 2016, height: 1512 } }],
      width: 2016,
      height: 1512,
    };
    expect(opsOnMezzanine(crop, { width: 2048, height: 1536 }, photo)).toEqual([
      { op: 'extract', rect: { left: 512, top: 384, width: 1024, height: 768 } },
      { op: 'resize', width: 2016, height: 1512, fit: 'fill' },
    ]);
  });
});
