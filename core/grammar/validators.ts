/**
 * Small value-parser factories for the transform grammar, in the spirit of ipx's VNumber/VEnum:
 * each one knows how to read one value, what a valid value looks like (for error messages and the
 * docs table), and never throws — a bad value is a result, so user input can only become a 400.
 */

/** The limits a value may depend on (a subset of GrammarContext). */
export interface Limits {
  maxOutputDimension: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; expected: string };

export interface ValueParser<T> {
  /** What a valid value looks like, phrased to follow "must be": "an integer 1…8192". */
  expected(limits: Limits): string;
  parse(raw: string, limits: Limits): ParseResult<T>;
}

export const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const bad = <T>(expected: string): ParseResult<T> => ({ ok: false, expected });

type Bound = number | ((limits: Limits) => number);
const bound = (value: Bound, limits: Limits): number => (typeof value === 'number' ? value : value(limits));

// Digits only, bounded in length so a 10 000-digit number is a bad value, not a slow one.
const INTEGER = /^\d{1,12}$/;
const DECIMAL = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** An integer in [min, max]; leading zeros are accepted and dropped (`0800` is 800). */
export function intRange(min: Bound, max: Bound): ValueParser<number> {
  const expected = (limits: Limits) => `an integer ${bound(min, limits)}…${bound(max, limits)}`;
  return {
    expected,
    parse(raw, limits) {
      if (!INTEGER.test(raw)) return bad(expected(limits));
      const value = Number(raw);
      return value >= bound(min, limits) && value <= bound(max, limits) ? ok(value) : bad(expected(limits));
    },
  };
}

/** One of a fixed set of integers, e.g. rotation angles. */
export function intChoice<const T extends number>(choices: readonly T[]): ValueParser<T> {
  const expected = () => `one of ${choices.join(', ')}`;
  return {
    expected,
    parse(raw) {
      if (!INTEGER.test(raw)) return bad(expected());
      const value = Number(raw);
      const match = choices.find((choice) => choice === value);
      return match === undefined ? bad(expected()) : ok(match);
    },
  };
}

/** Reads a plain decimal (`1.50`, `0800`) with at most `maxDecimals` significant decimals. */
export function readDecimal(raw: string, maxDecimals: number): number | undefined {
  const match = DECIMAL.exec(raw);
  if (!match) return undefined;
  const decimals = (match[2] ?? '').replace(/0+$/, '');
  if (decimals.length > maxDecimals) return undefined;
  return Number(raw);
}

/** A decimal in [min, max] with at most `maxDecimals` decimals (trailing zeros don't count). */
export function decimal(min: number, max: number, maxDecimals: number): ValueParser<number> {
  const decimals = maxDecimals === 1 ? 'one decimal' : `${maxDecimals} decimals`;
  const expected = () => `a number ${min}…${max} with ${decimals} at most`;
  return {
    expected,
    parse(raw) {
      const value = readDecimal(raw, maxDecimals);
      return value !== undefined && value >= min && value <= max ? ok(value) : bad(expected());
    },
  };
}

/** One of a set of words; aliases map extra spellings onto a canonical word (`jpg` → `jpeg`). */
export function enumOf<const T extends string>(values: readonly T[], aliases: Readonly<Record<string, T>> = {}): ValueParser<T> {
  const aliasText = (value: T) => {
    const extra = Object.keys(aliases).filter((alias) => aliases[alias] === value);
    return extra.length > 0 ? `${value} (${extra.join(', ')})` : value;
  };
  const expected = () => `one of ${values.map(aliasText).join(', ')}`;
  return {
    expected,
    parse(raw) {
      const direct = values.find((value) => value === raw);
      if (direct !== undefined) return ok(direct);
      const aliased = Object.hasOwn(aliases, raw) ? aliases[raw] : undefined;
      return aliased === undefined ? bad(expected()) : ok(aliased);
    },
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The largest term of an `ar` value as written. */
const MAX_RATIO_TERM = 10000;

/**
 * An aspect ratio `W:H` of positive numbers with at most 2 decimals (`16:9`, `1.91:1`), reduced
 * to lowest integer terms so every spelling of one ratio is one value (`1.91:1` → [191, 100]).
 */
export function ratio(): ValueParser<[number, number]> {
  const expected = () => `W:H with W and H numbers 0.01…${MAX_RATIO_TERM} (2 decimals at most), e.g. 16:9 or 1.91:1`;
  return {
    expected,
    parse(raw) {
      const parts = raw.split(':');
      if (parts.length !== 2) return bad(expected());
      const [w, h] = parts.map((part) => readDecimal(part, 2));
      if (w === undefined || h === undefined || w <= 0 || h <= 0 || w > MAX_RATIO_TERM || h > MAX_RATIO_TERM) return bad(expected());
      const [p, q] = [Math.round(w * 100), Math.round(h * 100)];
      const divisor = gcd(p, q);
      return ok([p / divisor, q / divisor]);
    },
  };
}

/**
 * The spelling of a ratio that `ratio()` reads back to the same value. Lowest integer terms when
 * both fit the grammar's bound; otherwise, hundredths: a ratio reduced from `0.01:10000` is
 * [1, 1000000], which as `1:1000000` would be refused, but as `0.01:10000` parses to itself.
 * Every reduced value has terms ≤ 1000000 (hundredths of ≤ 10000), so hundredths always fit.
 */
export function formatRatio([w, h]: [number, number]): string {
  if (w <= MAX_RATIO_TERM && h <= MAX_RATIO_TERM) return `${w}:${h}`;
  return `${w / 100}:${h / 100}`;
}

/** A point `X:Y` with fractions 0…1 (4 decimals at most). */
export function point(): ValueParser<[number, number]> {
  const expected = () => 'X:Y with X and Y numbers 0…1 (4 decimals at most), e.g. 0.5:0.3';
  return {
    expected,
    parse(raw) {
      const parts = raw.split(':');
      if (parts.length !== 2) return bad(expected());
      const [x, y] = parts.map((part) => readDecimal(part, 4));
      if (x === undefined || y === undefined || x > 1 || y > 1) return bad(expected());
      return ok([x, y]);
    },
  };
}

/** A hex colour `rrggbb` or `rrggbbaa`, lower-cased; an opaque `rrggbbff` becomes `rrggbb`. */
export function colour(): ValueParser<string> {
  const expected = () => 'a hex colour rrggbb or rrggbbaa';
  return {
    expected,
    parse(raw) {
      if (!/^(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(raw)) return bad(expected());
      const lower = raw.toLowerCase();
      return ok(lower.length === 8 && lower.endsWith('ff') ? lower.slice(0, 6) : lower);
    },
  };
}

/** A name such as a preset or watermark: `[A-Za-z0-9_-]{1,64}`. */
export function name(what: string): ValueParser<string> {
  const expected = () => `a ${what} name of 1…64 characters A-Z a-z 0-9 _ -`;
  return {
    expected,
    parse(raw) {
      return /^[A-Za-z0-9_-]{1,64}$/.test(raw) ? ok(raw) : bad(expected());
    },
  };
}
