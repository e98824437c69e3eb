import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import type { ListImagesOptions } from '../catalog/types.ts';
import { MAX_QUERY_CHARS } from '../catalog/search-text.ts';
import { imageFormatSchema } from './responses.ts';
import { TAG_PATTERN } from './user-metadata.ts';

/** At most this many `tag` parameters: each is a sub-query of its own. */
export const MAX_TAG_FILTERS = 10;

const DAY_MS = 86_400_000;

/** A date (`2026-05-01`, the whole UTC day) or a date-time with its offset (`2026-05-01T12:00:00Z`). */
const instant = (what: string) =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error: 'must be a date (2026-05-01) or a date-time with offset (2026-05-01T12:00:00Z)',
    })
    .describe(what);

const pixels = (what: string) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number of pixels')
    .transform(Number)
    .optional()
    .describe(what);

/**
 * `GET /v1/images`: page size and position, a content hash to look up, words to search, filters
 * and the order. Every filter given must hold.
 */
export const listQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional()
    .transform((limit) => limit ?? 100),
  cursor: z.string().max(400).optional().describe('the `next` of the previous page, unchanged (with the same `sort`)'),
  // Hex of any case, compared lower-case as the catalog stores it.
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .transform((hex) => hex.toLowerCase())
    .optional(),
  q: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_QUERY_CHARS, `must be at most ${MAX_QUERY_CHARS} characters`)
    .optional()
    .describe(
      'words of the filename, title, alt, IPTC caption and keywords; every word must match the start of a word (case and accents ignored; `IMG_20` finds `IMG_2041.jpg`)',
    ),
  tag: z
    .array(z.string().regex(TAG_PATTERN, 'must be 1–64 letters, digits, -, _ or :'))
    .max(MAX_TAG_FILTERS, `at most ${MAX_TAG_FILTERS} tags`)
    .optional()
    .describe('repeatable (`?tag=sea&tag=trip:2026`): the image carries every one (case-insensitive)'),
  format: imageFormatSchema.optional().describe("the source's format"),
  from: instant('uploaded at or after this (a date: from its start, UTC)').optional(),
  to: instant('uploaded at or before this (a date: through its end, UTC)').optional(),
  takenFrom: instant('EXIF taken at or after this (a camera time without offset counts as UTC)').optional(),
  takenTo: instant('EXIF taken at or before this').optional(),
  minWidth: pixels('width (after EXIF orientation) at least this'),
  minHeight: pixels('height (after EXIF orientation) at least this'),
  sort: z
    .enum(['-createdAt', 'createdAt', '-bytes'])
    .optional()
    .describe('`-createdAt` (newest first, the default), `createdAt` or `-bytes` (largest first)'),
});

const expected: Record<string, string> = {
  limit: 'limit must be an integer 1…1000',
  sha256: 'sha256 must be the 64 hex digits of a SHA-256',
};

type RawListQuery = Partial<Record<keyof z.input<typeof listQuerySchema>, string | string[]>>;

/**
 * Validates the listing's query; a bad value is 400 invalid_request naming it. `queries` gives
 * every value of a repeatable parameter (`tag`), `query` the first of the others.
 */
export function parseListQuery(
  query: (name: string) => string | undefined,
  queries: (name: string) => string[] | undefined,
): ListImagesOptions {
  const single = [
    'limit',
    'cursor',
    'sha256',
    'q',
    'format',
    'from',
    'to',
    'takenFrom',
    'takenTo',
    'minWidth',
    'minHeight',
    'sort',
  ] as const;
  const raw: RawListQuery = {};
  for (const name of single) {
    const value = query(name);
    if (value !== undefined) raw[name] = value;
  }
  const tags = queries('tag');
  if (tags !== undefined) raw.tag = tags;
  const parsed = listQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'query');
    const value = raw[field as keyof RawListQuery];
    const shown = Array.isArray(value) ? (value[Number(issue?.path[1] ?? 0)] ?? '') : (value ?? '');
    throw fail('invalid_request', `${expected[field] ?? `${field}: ${issue?.message ?? 'is invalid'}`}, got "${shown.slice(0, 80)}"`);
  }
  const { tag, from, to, takenFrom, takenTo, ...rest } = parsed.data;
  const options: ListImagesOptions = {
    ...rest,
    tags: tag,
    createdFrom: from === undefined ? undefined : new Date(from),
    createdBefore: to === undefined ? undefined : endOf(to),
    takenFrom: takenFrom === undefined ? undefined : new Date(takenFrom),
    takenBefore: takenTo === undefined ? undefined : endOf(takenTo),
  };
  if (options.createdFrom && options.createdBefore && options.createdFrom >= options.createdBefore) {
    throw fail('invalid_request', `to: must not be before from, got from=${from ?? ''} to=${to ?? ''}`);
  }
  if (options.takenFrom && options.takenBefore && options.takenFrom >= options.takenBefore) {
    throw fail('invalid_request', `takenTo: must not be before takenFrom, got takenFrom=${takenFrom ?? ''} takenTo=${takenTo ?? ''}`);
  }
  return options;
}

/** The exclusive upper bound of an inclusive `to`: the next day for a date, the next millisecond for a date-time. */
function endOf(value: string): Date {
  const start = new Date(value).getTime();
  return new Date(value.length === 10 ? start + DAY_MS : start + 1);
}
