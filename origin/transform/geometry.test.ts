import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { planGeometry, requestedBox, vectorScale } from './geometry.ts';

const landscape = { width: 1000, height: 500 };
const still = { animated: false };

describe('geometry', () => {
  it('derives the missing side from ar', () => {
    expect(requestedBox({ w: 160, ar: [16, 9] })).toMatchObject({ width: 160, height: 90 });
    expect(requestedBox({ h: 100, ar: [1.91, 1] })).toMatchObject({ width: 191, height: 100 });
  });

  it('fill with a focal point centres the crop on it as far as the edges allow', () => {
    const plan = planGeometry(landscape, { c: 'fill', w: 100, h: 100, fp: [0.7, 0.5] }, still);
    expect(plan.ops).toEqual([
      { op: 'resize', width: 200, height: 100, fit: 'fill' },
      { op: 'extract', rect: { left: 90, top: 0, width: 100, height: 100 } },
    ]);
    const edge = planGeometry(landscape, { c: 'fill', w: 100, h: 100, fp: [1, 1] }, still);
    expect(edge.ops[1]).toEqual({ op: 'extract', rect: { left: 100, top: 0, width: 100, height: 100 } });
  });

  it('smart gravity falls back to the centre for animations', () => {
    expect(planGeometry(landscape, { c: 'fill', w: 100, h: 100, g: 'auto' }, still).ops[0]).toMatchObject({ position: 'attention' });
    expect(planGeometry(landscape, { c: 'fill', w: 100, h: 100, g: 'auto' }, { animated: true }).ops[0]).toMatchObject({
      position: 'centre',
    });
  });

  it('pad with ar only adds the smallest canvas of that aspect', () => {
    expect(planGeometry(landscape, { c: 'pad', ar: [1, 1] }, still)).toMatchObject({
      ops: [],
      width: 1000,
      height: 500,
      pad: { width: 1000, height: 1000, left: 0, top: 250 },
    });
  });

  it('a region outside the source is invalid_transform', () => {
    let caught: unknown;
    try {
      planGeometry(landscape, { c: 'crop', x: 0, y: 500, w: 10, h: 10 }, still);
    } catch (error) {
      caught = error;
    }
    expect(isPixelfrontError(caught) && caught.code).toBe('invalid_transform');
  });

  it('an SVG rasterises at the scale the box needs, never below its own size', () => {
    expect(vectorScale({ width: 10, height: 10 }, { w: 200 })).toBe(20);
    expect(vectorScale({ width: 10, height: 20 }, { w: 100, h: 100 })).toBe(5);
    expect(vectorScale({ width: 10, height: 20 }, { c: 'fill', w: 100, h: 100 })).toBe(10);
    expect(vectorScale({ width: 400, height: 400 }, { w: 100 })).toBe(1);
  });
});
