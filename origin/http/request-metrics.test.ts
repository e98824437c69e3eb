import { describe, expect, it } from 'vitest';
import { routeTemplate } from './request-metrics.ts';

describe('routeTemplate', () => {
  it('folds ids and ops into templates', () => {
    expect(routeTemplate('/img/abcdefgh12')).toBe('/img/:id');
    expect(routeTemplate('/img/abcdefgh12/w_100/a.jpg')).toBe('/img/:id/:ops');
    expect(routeTemplate('/v1/images')).toBe('/v1/images');
    expect(routeTemplate('/v1/uploads/abcdefgh12/parts/3')).toBe('/v1/uploads/:id');
    expect(routeTemplate('/healthz')).toBe('/healthz');
  });

  it('never turns an unknown path segment into a label value (unbounded series)', () => {
    const labels = new Set(Array.from({ length: 50 }, (_, index) => routeTemplate(`/v1/random-${index}/x`)));
    expect([...labels]).toEqual(['other']);
    expect(routeTemplate('/v1')).toBe('other');
    expect(routeTemplate('/nothing/here')).toBe('other');
  });
});
