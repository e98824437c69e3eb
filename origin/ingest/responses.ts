import { z } from 'zod';
import { problemSchema } from '../openapi/problem.ts';

/** Response bodies of `/v1/images` (and the image object other routes return), as zod schemas for the OpenAPI document. */

export const imageFormatSchema = z.enum(['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg', 'heic']);

/** The image object of SPEC section 4, as toImageObject builds it. */
export const imageObjectSchema = z
  .strictObject({
    id: z.string().describe('22 characters of base64url (or 8…64 of [A-Za-z0-9_-])'),
    filename: z.string().nullable(),
    format: imageFormatSchema.describe("the source's format, sniffed from the content"),
    width: z.number().int().describe('after EXIF orientation'),
    height: z.number().int().describe('after EXIF orientation'),
    bytes: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    frames: z.number().int(),
    hasAlpha: z.boolean(),
    orientation: z.number().int().nullable().describe('the EXIF orientation tag, if any'),
    createdAt: z.iso.datetime(),
    placeholder: z.strictObject({ blurhash: z.string().nullable(), dominantColor: z.string().nullable() }),
    url: z.string().describe('`/img/<id>`'),
    title: z.string().nullable(),
    alt: z.string().nullable(),
    tags: z.array(z.string()),
    meta: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'ImageObject' });

/** An upload's answer: the image, and whether the tenant already had these bytes. */
export const uploadedImageSchema = imageObjectSchema
  .extend({ deduplicated: z.boolean().describe('true: the tenant already had these bytes; this is that image, unchanged') })
  .meta({ id: 'UploadedImage' });

export const imagePageSchema = z
  .strictObject({
    items: z.array(imageObjectSchema),
    next: z.string().nullable().describe('pass as `?cursor=` for the next page; null on the last one'),
  })
  .meta({ id: 'ImagePage' });

/** `POST /v1/images` with multipart/form-data: one result per file part, in order. */
export const bulkUploadSchema = z
  .strictObject({
    items: z.array(
      z.union([
        z.strictObject({ ok: z.literal(true), deduplicated: z.boolean(), image: imageObjectSchema }),
        z.strictObject({ ok: z.literal(false), filename: z.string().nullable(), error: problemSchema }),
      ]),
    ),
  })
  .meta({ id: 'BulkUploadResult' });
