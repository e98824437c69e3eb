import { z } from 'zod';
import { pageOf } from '../http/page-query.ts';
import { imageObjectSchema } from '../ingest/responses.ts';

/** Response bodies of `/v1/uploads`, as zod schemas for the OpenAPI document. */

export const uploadCreatedSchema = z
  .strictObject({
    uploadId: z.string(),
    partSize: z.number().int().describe('send every part but the last with exactly this many bytes'),
    maxParts: z.number().int(),
    minPartSize: z.number().int(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'UploadCreated' });

export const uploadPartSchema = z
  .strictObject({
    partNumber: z.number().int(),
    etag: z.string().describe('MD5 hex of the part, unquoted'),
    size: z.number().int(),
  })
  .meta({ id: 'UploadPart' });

export const uploadStatusSchema = z
  .strictObject({
    uploadId: z.string(),
    state: z.enum(['open', 'completed', 'aborted']),
    filename: z.string().nullable(),
    contentType: z.string().nullable(),
    size: z.number().int().nullable().describe('the size declared at creation, if any'),
    partSize: z.number().int(),
    maxParts: z.number().int(),
    eager: z.array(z.string()),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    receivedBytes: z.number().int(),
    parts: z.array(uploadPartSchema),
    image: imageObjectSchema.nullable().describe('the image, once completed'),
    error: z.strictObject({ code: z.string(), detail: z.string().nullable() }).nullable().describe('why completion rejected the content'),
  })
  .meta({ id: 'UploadStatus' });

/** A line of `GET /v1/uploads`: an upload in progress, with what it has received so far. */
export const uploadSummarySchema = z
  .strictObject({
    uploadId: z.string(),
    filename: z.string().nullable(),
    contentType: z.string().nullable(),
    size: z.number().int().nullable().describe('the size declared at creation, if any'),
    partSize: z.number().int(),
    receivedBytes: z.number().int(),
    receivedParts: z.number().int(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'UploadSummary' });

export const uploadPageSchema = pageOf(uploadSummarySchema, 'UploadPage');
