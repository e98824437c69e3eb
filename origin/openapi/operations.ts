import { z } from 'zod';
import { bodySchema as createBatchSchema } from '../batches/routes.ts';
import { batchCreatedSchema, batchPageSchema, batchProgressSchema } from '../batches/responses.ts';
import { pageQuerySchema } from '../http/page-query.ts';
import { listQuerySchema } from '../ingest/list-query.ts';
import { bulkUploadSchema, imageObjectSchema, imagePageSchema, uploadedImageSchema } from '../ingest/responses.ts';
import { altSchema, editableSchema, tagsSchema, titleSchema } from '../ingest/user-metadata.ts';
import { completeSchema as completeUploadSchema, createSchema as createUploadSchema } from '../multipart/routes.ts';
import { uploadCreatedSchema, uploadPageSchema, uploadPartSchema, uploadStatusSchema } from '../multipart/responses.ts';
import { healthSchema, presetListSchema, readinessSchema } from '../responses.ts';
import { signInSchema } from '../sessions/routes.ts';
import { duplicatePolicySchema } from '../similarity/near-duplicates.ts';
import { similarPageSchema, similarQuerySchema } from '../similarity/responses.ts';
import { currentSessionSchema, sessionSchema } from '../sessions/responses.ts';
import { signAnswerSchema, signBodySchema } from '../signing/sign-route.ts';
import {
  adminStatsQuerySchema,
  formatOnlyQuerySchema,
  statsQuerySchema,
  statsReportSchema,
  storageReportSchema,
  tenantsReportSchema,
  edgeStatsAcceptedSchema,
  edgeStatsBodySchema,
  topQuerySchema,
  topReportSchema,
} from '../stats/api-schema.ts';
import { watermarkPageSchema, watermarkSchema } from '../watermarks/responses.ts';
import {
  imageIdSchema,
  opsSchema,
  seoNameSchema,
  signedUrlQuerySchema,
  variantHeadersSchema as variantHeaders,
  variantResponseHeaders,
} from './img-grammar.ts';
import { raw, route, type Operation } from './operation.ts';

/**
 * The route → schema registry: every route the origin mounts, one entry each (the OpenAPI test
 * fails for a mounted route missing here, and for an entry nothing mounts). Request schemas are
 * the ones the routes validate with; response schemas live beside each area's routes
 * (`responses.ts`). Errors listed are those beyond the defaults of document.ts.
 */

const image = raw(['image/*'], 'the image bytes, sent as they are');
const uploadErrors = ['payload_too_large', 'unsupported_media_type', 'image_too_large', 'corrupt_image'] as const;
/** A delivery decodes the stored source (an SVG again under today's caps) and may render it; the edge adds its gateway errors. */
const deliveryErrors = ['invalid_signature', 'not_found', ...uploadErrors, 'overloaded', 'bad_gateway', 'gateway_timeout'] as const;
const imageId = z.object({ id: imageIdSchema });
/** The statistics routes answer the same rows as CSV for `Accept: text/csv` or `?format=csv`. */
const jsonOrCsv = (schema: z.ZodType) => ({
  'application/json': schema,
  'text/csv': raw('text/csv', 'the same rows, one line each, with a header line'),
});

/** Query parameters of a raw `POST /v1/images` (README, People's own metadata). */
const rawUploadQuery = z.object({
  filename: z.string().max(1024).optional().describe('else from `Content-Disposition`'),
  eager: z.string().optional().describe('comma-separated preset names to render at once'),
  title: titleSchema.optional(),
  alt: altSchema.optional(),
  tags: z.string().optional().describe('comma-separated tags'),
  meta: z.string().optional().describe('a JSON object, as URL-encoded text'),
  duplicates: duplicatePolicySchema.optional(),
});

/** A bulk upload form: every file part is an image; the text fields apply to every file. */
const bulkUploadForm = z.object({
  files: z.array(z.string().meta({ contentMediaType: 'application/octet-stream' })).describe('any field name: every file part is an image'),
  eager: z.string().optional(),
  title: z.string().optional(),
  alt: z.string().optional(),
  tags: z.string().optional(),
  meta: z.string().optional().describe('a JSON object as text'),
  duplicates: duplicatePolicySchema.optional().describe('as `?duplicates=`, for every file of the form'),
});

/** A JSON merge patch (RFC 7396) of the editable fields; `null` removes one. */
const imagePatch = editableSchema.partial().extend({ tags: tagsSchema.nullable().optional() });

const documentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ id: 'OpenApiDocument' });

// One line per route, like a table.
// prettier-ignore
export const operations: readonly Operation[] = [
  route('public', 'operations', 'GET /healthz', 'Liveness', { 200: healthSchema }),
  route('public', 'operations', 'GET /readyz', 'Readiness: storage, catalog and queue', { 200: readinessSchema, 503: readinessSchema }),
  route('public', 'operations', 'GET /metrics', 'Prometheus metrics (Bearer METRICS_TOKEN when set)', { 200: raw('text/plain') }, ['unauthorized']),

  route('public', 'sessions', 'POST /v1/sessions', 'Sign in: an API key for a session cookie', { body: signInSchema, 201: sessionSchema, responseHeaders: { 'Set-Cookie': 'the `pixelfront_session` cookie (HttpOnly, SameSite=Strict)' } }, ['unauthorized', 'unsupported_media_type', 'payload_too_large']),
  route('tenant', 'sessions', 'GET /v1/sessions/current', 'Who this request is', { 200: currentSessionSchema }),
  route('tenant', 'sessions', 'DELETE /v1/sessions/current', 'Sign out', { 204: null }),

  route('tenant', 'images', 'POST /v1/images', 'Upload one image (raw body) or many (multipart form)', { query: rawUploadQuery, body: { 'image/*': image, 'application/octet-stream': image, 'multipart/form-data': bulkUploadForm }, 201: uploadedImageSchema, 200: z.union([uploadedImageSchema, bulkUploadSchema]) }, [...uploadErrors, 'invalid_transform', 'near_duplicate']),
  route('tenant', 'images', 'GET /v1/images', "The tenant's images: searched, filtered and sorted (newest first by default)", { query: listQuerySchema, 200: imagePageSchema }),
  route('tenant', 'images', 'GET /v1/images/{id}', 'One image object', { params: imageId, 200: imageObjectSchema }, ['not_found']),
  route('tenant', 'images', 'PATCH /v1/images/{id}', "Change an image's own metadata (JSON merge patch)", { params: imageId, body: { 'application/merge-patch+json': imagePatch, 'application/json': imagePatch }, 200: imageObjectSchema }, ['not_found', 'payload_too_large']),
  route('tenant', 'images', 'GET /v1/images/{id}/similar', "The tenant's images nearest this one's perceptual hash", { params: imageId, query: similarQuerySchema, 200: similarPageSchema }, ['not_found']),
  route('tenant', 'images', 'DELETE /v1/images/{id}', 'Delete an image, its original and every variant', { params: imageId, 204: null }, ['not_found']),

  route('tenant', 'watermarks', 'GET /v1/watermarks', "The tenant's watermarks, by name", { query: pageQuerySchema, 200: watermarkPageSchema }),
  route('tenant', 'watermarks', 'GET /v1/watermarks/{name}', "A watermark's bytes", { 200: image }, ['not_found']),
  route('tenant', 'watermarks', 'DELETE /v1/watermarks/{name}', 'Delete a watermark (rendered variants stay until their TTL)', { 204: null }, ['not_found']),
  route('tenant', 'watermarks', 'PUT /v1/watermarks/{name}', 'Upload the overlay for wm_NAME (immutable)', { body: image, 201: watermarkSchema, 200: watermarkSchema }, [...uploadErrors, 'conflict']),

  route('tenant', 'uploads', 'POST /v1/uploads', 'Start a resumable multipart upload', { body: createUploadSchema, 201: uploadCreatedSchema }, ['payload_too_large', 'invalid_transform']),
  route('tenant', 'uploads', 'GET /v1/uploads', "The tenant's uploads in progress, newest first", { query: pageQuerySchema, 200: uploadPageSchema }),
  route('tenant', 'uploads', 'GET /v1/uploads/{id}', 'An upload and its received parts', { 200: uploadStatusSchema }, ['not_found']),
  route('tenant', 'uploads', 'PUT /v1/uploads/{id}/parts/{n}', 'Send part n (1…10000); part 1 is checked from the header it holds (format 415, pixel limit 422: the upload is failed), and a part that would take the upload past its declared size is 413', { body: raw('application/octet-stream'), 200: uploadPartSchema, responseHeaders: { ETag: 'the quoted MD5 hex of the part' } }, ['not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'image_too_large']),
  route('tenant', 'uploads', 'POST /v1/uploads/{id}/complete', 'Assemble the parts into an image', { body: completeUploadSchema, 201: uploadedImageSchema, 200: uploadedImageSchema }, ['not_found', 'conflict', 'near_duplicate', ...uploadErrors]),
  route('tenant', 'uploads', 'DELETE /v1/uploads/{id}', 'Abort an upload', { 204: null }, ['not_found', 'conflict']),

  route('tenant', 'batches', 'POST /v1/batches', 'Render presets or transforms for many images', { body: createBatchSchema, 202: batchCreatedSchema }, ['invalid_transform', 'not_found', 'payload_too_large']),
  route('tenant', 'batches', 'GET /v1/batches', "The tenant's batches, newest first", { query: pageQuerySchema, 200: batchPageSchema }),
  route('tenant', 'batches', 'GET /v1/batches/{id}', "A batch's progress", { 200: batchProgressSchema }, ['not_found']),
  route('tenant', 'batches', 'GET /v1/batches/{id}/archive', 'The ZIP of a finished batch', { 200: raw('application/zip') }, ['not_found', 'conflict']),

  route('tenant', 'statistics', 'GET /v1/stats', "The tenant's usage, grouped by groupBy", { query: statsQuerySchema, 200: jsonOrCsv(statsReportSchema) }),
  route('tenant', 'statistics', 'GET /v1/stats/top', "The tenant's most delivered images", { query: topQuerySchema, 200: jsonOrCsv(topReportSchema) }),
  route('tenant', 'statistics', 'GET /v1/stats/storage', 'What the tenant keeps in storage, from counters', { query: formatOnlyQuerySchema, 200: jsonOrCsv(storageReportSchema) }),
  route('admin', 'statistics', 'GET /v1/admin/stats', "Every tenant's usage; groupBy may name tenant", { query: adminStatsQuerySchema, 200: jsonOrCsv(statsReportSchema) }),
  route('edge', 'statistics', 'POST /v1/edge-stats', "The edge Worker's hit and miss counters", { body: edgeStatsBodySchema, 202: edgeStatsAcceptedSchema }, ['payload_too_large']),
  route('admin', 'statistics', 'GET /v1/admin/tenants', 'Every tenant with its images and stored bytes', { query: formatOnlyQuerySchema, 200: jsonOrCsv(tenantsReportSchema) }),
  route('tenant', 'delivery', 'POST /v1/sign', 'Signed /img URLs of the tenant\'s own images (for the console)', { body: signBodySchema, 200: signAnswerSchema }, ['not_found', 'invalid_transform', 'payload_too_large']),
  route('tenant', 'presets', 'GET /v1/presets', 'The named presets with their canonical ops', { 200: presetListSchema }),
  route('public', 'documentation', 'GET /v1/openapi.json', 'This document', { 200: documentSchema }),
  route('public', 'documentation', 'GET /docs', 'The API reference page (Swagger UI)', { 200: raw('text/html'), 304: null }),
  route('public', 'documentation', 'GET /docs/{file}', 'Files of the reference page', { 200: raw(['text/javascript', 'text/css']), 304: null }, ['not_found']),

  route('public', 'delivery', 'GET /img/{id}', 'The original image (SVG sanitised)', { params: imageId, query: signedUrlQuerySchema, 200: image, 304: null }, deliveryErrors),
  route('public', 'delivery', 'GET /img/{id}/{ops}', 'A variant: the image transformed by `ops`', { params: imageId.extend({ ops: opsSchema }), query: signedUrlQuerySchema, headers: variantHeaders, 200: image, 304: null, responseHeaders: variantResponseHeaders }, ['invalid_transform', ...deliveryErrors]),
  route('public', 'delivery', 'GET /img/{id}/{ops}/{name}', 'A variant with a file name for people', { params: imageId.extend({ ops: opsSchema, name: seoNameSchema }), query: signedUrlQuerySchema, headers: variantHeaders, 200: image, 304: null, responseHeaders: variantResponseHeaders }, ['invalid_transform', ...deliveryErrors]),

  route('public', 'console', 'GET /', 'Redirect to the web console', { 302: null }),
  route('public', 'console', 'GET /console', 'Redirect to /console/', { 301: null }),
  route('public', 'console', 'GET /console/{path}', 'The web console: any path under /console/', { 200: raw(['text/html', 'text/javascript', 'text/css', 'image/*']), 304: null }, ['not_found']),
];
