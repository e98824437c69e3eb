import { describe, expect, it } from 'vitest';
import { absoluteUnitsToPx } from './units.ts';

describe('absolute CSS units to px', () => {
  it('converts every absolute unit at CSS ratios (1in = 96px, 1pt = 4/3 px)', () => {
    expect(absoluteUnitsToPx('1in')).toBe('96px');
    expect(absoluteUnitsToPx('123pt')).toBe('164px');
    expect(absoluteUnitsToPx('25.4mm')).toBe('96px');
    expect(absoluteUnitsToPx('2.54cm')).toBe('96px');
    expect(absoluteUnitsToPx('6pc')).toBe('96px');
    expect(absoluteUnitsToPx('101.6Q')).toBe('96px');
    expect(absoluteUnitsToPx('.5IN')).toBe('48px');
    expect(absoluteUnitsToPx('-1.5e1pt')).toBe('-20px');
  });

  it('converts inside lists and CSS, and leaves other units, names and words alone', () => {
    expect(absoluteUnitsToPx('3pt 6pt')).toBe('4px 8px');
    expect(absoluteUnitsToPx('font-size:12pt;stroke-width:1mm')).toBe('font-size:16px;stroke-width:3.7795px');
    for (const kept of ['10', '10px', '50%', '2em', '3ex', '#p2pt', 'a1in', '2inch', 'url(#mm1)', 'x-1pt']) {
      expect(absoluteUnitsToPx(kept), kept).toBe(kept);
    }
  });
});
