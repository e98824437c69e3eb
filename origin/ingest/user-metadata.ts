import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import type { EditableImageFields, JsonObject, UserMetadata } from '../catalog/types.ts';
import { hasInvisibleCharacters } from './invisible-characters.ts';

/**
 * People's own metadata of an image (issue 15): `title`, `alt`, `tags` and `meta`. Given at upload
 * (query parameters of a raw upload, fields of a bulk form, the body of `POST /v1/uploads`) and
 * changed with `PATCH /v1/images/:id` (a JSON merge patch, RFC 7396). One zod schema per field,
 * used by every entry point, so a value is valid or not the same way everywhere.
 */

export const emptyUserMetadata: UserMetadata = { title: null, alt: null, tags: [], meta: null };

export const TAG_PATTERN = /^[A-Za-z0-9_:-]{1,64}$/;
export const MAX_TAGS = 50;
export const MAX_META_BYTES = 4096;
export const MAX_TITLE_CHARS = 256;
export const MAX_ALT_CHARS = 1024;

const noControls = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);
const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty (send null to remove it)')
    .max(max, `must be at most ${max} characters`)
    .refine(noControls, 'must not contain control characters');

export const titleSchema = text(MAX_TITLE_CHARS);
export const altSchema = text(MAX_ALT_CHARS);

/** A comma-separated string or an array; each tag trimmed, lower-cased, repeats dropped. */
export const tagsSchema = z
  .union([z.string(), z.array(z.string())], { error: 'must be a comma-separated string or an array of strings' })
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((tag) => tag.trim()).filter((tag) => tag !== ''))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(TAG_PATTERN, { error: (issue) => `"${String(issue.input).slice(0, 80)}" must be 1–64 letters, digits, -, _ or :` }),
      )
      .max(MAX_TAGS, `at most ${MAX_TAGS} tags`),
  )
  .transform((tags) => [...new Set(tags.map((tag) => tag.toLowerCase()))]);

export const metaSchema = z
  .record(z.string(), z.json(), { error: 'must be a JSON object' })
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_META_BYTES, `must be at most ${MAX_META_BYTES} bytes as JSON`)
  .transform((value): JsonObject => value);

/** The fields as JSON (the body of POST /v1/uploads): all optional. */
export const userMetadataJsonShape = {
  title: titleSchema.optional(),
  alt: altSchema.optional(),
  tags: tagsSchema.optional(),
  meta: metaSchema.optional(),
};

const fieldNames = ['title', 'alt', 'tags', 'meta'] as const;

/**
 * From text parameters (query string of a raw upload, fields of a bulk form): `meta` is a JSON
 * string. Throws 400 invalid_request naming the field.
 */
export function userMetadataFromText(get: (name: string) => string | undefined): UserMetadata {
  const raw: Record<string, unknown> = {};
  for (const name of fieldNames) {
    const value = get(name);
    if (value === undefined) continue;
    if (name !== 'meta') raw[name] = value;
    else raw[name] = parseJsonText(value);
  }
  return { ...emptyUserMetadata, ...check(z.object(userMetadataJsonShape), raw) };
}

/** From the JSON fields already validated by a body schema built with userMetadataJsonShape. */
export function userMetadataFrom(fields: Partial<UserMetadata>): UserMetadata {
  return {
    title: fields.title ?? null,
    alt: fields.alt ?? null,
    tags: fields.tags ?? [],
    meta: fields.meta ?? null,
  };
}

/** The metadata a multipart upload keeps until completion (uploads.metadata), as JSON text. */
export function userMetadataText(metadata: UserMetadata): string {
  return JSON.stringify(metadata);
}

export function storedUserMetadata(text: string | null): UserMetadata {
  return text === null ? emptyUserMetadata : { ...emptyUserMetadata, ...(JSON.parse(text) as Partial<UserMetadata>) };
}

function parseJsonText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw fail('invalid_request', 'meta: must be a JSON object (URL-encoded in a query string)');
  }
}

export const editableSchema = z
  .object({
    filename: z
      .string()
      .min(1)
      .max(255)
      .refine((name) => !hasInvisibleCharacters(name), 'must not contain control or bidirectional formatting characters')
      .refine((name) => !/[\\/]/.test(name), 'must be a base name without / or \\')
      .nullable(),
    title: titleSchema.nullable(),
    alt: altSchema.nullable(),
    tags: tagsSchema,
    meta: metaSchema.nullable(),
  })
  .strict();

/**
 * Applies a JSON merge patch (RFC 7396) to the editable fields and validates the result. Only those
 * five members may appear (the bytes and what was measured from them are immutable); `null`
 * removes a field (tags become []), and `meta` merges member by member, recursively.
 */
export function applyMetadataPatch(current: EditableImageFields, patch: unknown): EditableImageFields {
  if (!isObject(patch))
    throw fail('invalid_request', 'the body must be a JSON merge patch object, e.g. {"title":"Harbour at dawn","tags":["sea"]}');
  const unknown = Object.keys(patch).filter((key) => !(key in editableSchema.shape));
  if (unknown.length > 0) {
    throw fail('invalid_request', `${unknown[0] ?? ''}: cannot be changed; a patch may set filename, title, alt, tags and meta`);
  }
  const merged = mergePatch({ ...current }, patch) as JsonObject;
  // Removing a member leaves it absent; absent means null (or no tags) for these fields.
  const complete = { filename: null, title: null, alt: null, meta: null, ...merged, tags: merged['tags'] ?? [] };
  return check(editableSchema, complete);
}

/** RFC 7396 section 2, as written there: objects merge recursively, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path[0];
  throw fail('invalid_request', `${typeof field === 'string' ? field : 'metadata'}: ${issue?.message ?? 'is invalid'}`);
}
