/**
 * Values of `w` and `dpr` that client hints fill in at delivery: `w_auto[:FALLBACK]` and
 * `dpr_auto` (issue 19). The parsers add the `auto` spellings to the numbers the keys always
 * took; core/grammar/hint-rules.ts says what they combine with, core/client-hints.ts reads the
 * hints themselves.
 */
import type { AutoWidth } from '../transform-spec.ts';
import { bad, ok, type Limits, type ValueParser } from './validators.ts';

/** The width of `w_auto` when the request has no usable width hint (the 800 px). */
export const AUTO_WIDTH_FALLBACK = 800;

/** `auto` and `auto:FALLBACK` beside the key's numbers; FALLBACK takes the same range as a width. */
export function widthValue(numberValue: ValueParser<number>): ValueParser<number | AutoWidth> {
  const expected = (limits: Limits) => {
    const numbers = numberValue.expected(limits);
    return `${numbers}, auto or auto:FALLBACK with FALLBACK ${numbers}`;
  };
  return {
    expected,
    parse(raw, limits) {
      if (raw === 'auto') return ok({ fallback: AUTO_WIDTH_FALLBACK });
      if (raw.startsWith('auto:')) {
        const fallback = numberValue.parse(raw.slice('auto:'.length), limits);
        return fallback.ok ? ok({ fallback: fallback.value }) : bad(expected(limits));
      }
      const value = numberValue.parse(raw, limits);
      return value.ok ? value : bad(expected(limits));
    },
  };
}

/** `w_auto` when the fallback is the default one, else `w_auto:N`. */
export function formatWidth(value: number | AutoWidth): string {
  if (typeof value === 'number') return String(value);
  return value.fallback === AUTO_WIDTH_FALLBACK ? 'auto' : `auto:${value.fallback}`;
}

/** `auto` beside the key's numbers. */
export function dprValue(numberValue: ValueParser<number>): ValueParser<number | 'auto'> {
  const expected = (limits: Limits) => `${numberValue.expected(limits)}, or auto`;
  return {
    expected,
    parse(raw, limits) {
      if (raw === 'auto') return ok('auto');
      const value = numberValue.parse(raw, limits);
      return value.ok ? value : bad(expected(limits));
    },
  };
}
