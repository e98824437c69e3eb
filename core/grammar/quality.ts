/**
 * The value of `q`: a number 1…100, or a content-aware level `auto[:eco|good|best]` (issue 19).
 * `auto` and `auto:good` are one level, spelled `auto` in the canonical form; the other two keep
 * their suffix. Its own file so the levels are declared once, for the grammar and the origin.
 */
import type { AutoQuality, QualityLevel } from '../transform-spec.ts';
import { bad, intRange, ok, type ValueParser } from './validators.ts';

export const QUALITY_LEVELS = ['eco', 'good', 'best'] as const satisfies readonly QualityLevel[];

const qualityNumber = intRange(1, 100);

const spelling: Record<QualityLevel, AutoQuality> = { eco: 'auto:eco', good: 'auto', best: 'auto:best' };

/** The canonical spelling of a level (`good` is plain `auto`). */
export function autoQuality(level: QualityLevel): AutoQuality {
  return spelling[level];
}

/** The level of a `q` value, or undefined for a number (or no `q`). */
export function qualityLevel(q: number | AutoQuality | undefined): QualityLevel | undefined {
  if (q === undefined || typeof q === 'number') return undefined;
  return q === 'auto' ? 'good' : q === 'auto:eco' ? 'eco' : 'best';
}

/** `1…100`, `auto`, `auto:eco`, `auto:good` or `auto:best`. */
export function quality(): ValueParser<number | AutoQuality> {
  const expected = (limits: { maxOutputDimension: number }) =>
    `${qualityNumber.expected(limits)}, auto or auto:LEVEL with LEVEL one of ${QUALITY_LEVELS.join(', ')}`;
  return {
    expected,
    parse(raw, context) {
      if (raw === 'auto') return ok(autoQuality('good'));
      if (raw.startsWith('auto:')) {
        const level = QUALITY_LEVELS.find((candidate) => `auto:${candidate}` === raw);
        return level === undefined ? bad(expected(context)) : ok(autoQuality(level));
      }
      const value = qualityNumber.parse(raw, context);
      return value.ok ? value : bad(expected(context));
    },
  };
}
