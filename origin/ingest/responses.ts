import { z } from 'zod';
import { problemSchema } from '../openapi/problem.ts';

/** Response bodies of `/v1/images` (and the image object other routes return), as zod schemas for the OpenAPI document. */

export const imageFormatSchema = z.enum(['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg', 'heic']);

/** Camera facts read at ingest (embedded-metadata.ts). */
export const exifSchema = z
  .strictObject({
    make: z.string().nullable(),
    model: z.string().nullable(),
    lens: z.string().nullable(),
    takenAt: z
      .string()
      .nullable()
      .describe('ISO 8601 as the camera wrote it: with its offset if it recorded one, else local time without a zone'),
    exposureTime: z.number().nullable().describe('seconds'),
    fNumber: z.number().nullable(),
    iso: z.number().nullable(),
    focalLength: z.number().nullable().describe('millimetres'),
    gps: z
      .strictObject({ latitude: z.number(), longitude: z.number() })
      .nullable()
      .describe('only with KEEP_GPS=true; otherwise never stored'),
  })
  .meta({ id: 'ExifFacts' });

/** Descriptive fields read at ingest. */
export const iptcSchema = z
  .strictObject({
    caption: z.string().nullable(),
    keywords: z.array(z.string()),
    creator: z.string().nullable(),
    copyright: z.string().nullable(),
  })
  .meta({ id: 'IptcFacts' });

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
    exif: exifSchema.nullable().describe("read from the upload's EXIF (or XMP); null when it had none"),
    iptc: iptcSchema.nullable().describe("read from the upload's IPTC, XMP or EXIF; null when it had none"),
    perceptualHash: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .nullable()
      .describe('64-bit DCT perceptual hash, 16 hex digits; null for SVG and for images uploaded before it existed and not yet backfilled'),
  })
  .meta({ id: 'ImageObject' });

/** One of the tenant's images within a Hamming distance of another's perceptual hash. */
export const similarImageSchema = z
  .strictObject({
    id: z.string(),
    distance: z.number().int().min(0).max(64).describe('Hamming distance of the perceptual hashes, 0…64 bits'),
  })
  .meta({ id: 'SimilarImageRef' });

const nearDuplicatesSchema = z
  .array(similarImageSchema)
  .max(100)
  .describe("the tenant's other images within NEAR_DUPLICATE_DISTANCE of this one, nearest first (at most 100)");

/** An upload's answer: the image, and whether the tenant already had these bytes. */
export const uploadedImageSchema = imageObjectSchema
  .extend({
    deduplicated: z.boolean().describe('true: the tenant already had these bytes; this is that image, unchanged'),
    nearDuplicates: nearDuplicatesSchema,
  })
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
        z.strictObject({ ok: z.literal(true), deduplicated: z.boolean(), nearDuplicates: nearDuplicatesSchema, image: imageObjectSchema }),
        z.strictObject({ ok: z.literal(false), filename: z.string().nullable(), error: problemSchema }),
      ]),
    ),
  })
  .meta({ id: 'BulkUploadResult' });
