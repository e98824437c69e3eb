import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import { isValidImageId } from '../../core/ids.ts';
import type { OriginVariables } from '../http/auth.ts';
import { parsePageQuery } from '../http/page-query.ts';
import { parseJsonBody, readJsonBody, requestStream } from '../http/request-body.ts';
import { cleanFilename } from '../ingest/ingest-image.ts';
import { toImageObject } from '../ingest/image-object.ts';
import { userMetadataFrom, userMetadataJsonShape, userMetadataText } from '../ingest/user-metadata.ts';
import type { Services } from '../services.ts';
import { duplicatePolicySchema } from '../similarity/near-duplicates.ts';
import { eagerNames, planEager, type TransformContext } from '../transform/plan.ts';
import { completeUpload } from './complete-upload.ts';
import { MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES } from './limits.ts';
import { UploadService, type UploadServiceOptions } from './upload-service.ts';
import type { PartRow, UploadRow } from './upload-store.ts';

type Env = { Variables: OriginVariables };

export const createSchema = z
  .object({
    filename: z.string().max(1024).optional(),
    contentType: z
      .string()
      .max(255)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as image/jpeg')
      .optional(),
    size: z.number().int().positive().optional(),
    partSize: z.number().int().min(MIN_PART_BYTES).max(MAX_PART_BYTES).optional(),
    eager: z.union([z.string().max(1024), z.array(z.string().max(64)).max(100)]).optional(),
    duplicates: duplicatePolicySchema.optional(),
    ...userMetadataJsonShape,
  })
  .strict();

export const completeSchema = z
  .object({
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1).max(MAX_PARTS), etag: z.string().min(1).max(100) }).strict())
      .max(MAX_PARTS)
      .optional(),
  })
  .strict();

/** `/v1/uploads`: resumable, S3-style multipart uploads (SPEC section 4). */
export function uploadRoutes(services: Services, options: UploadServiceOptions = {}) {
  const app = new Hono<Env>();
  const uploads = new UploadService(services, options);

  app.post('/', async (c) => {
    const body = parseJsonBody(
      createSchema,
      await readJsonBody(c, MAX_JSON_BYTES, services.config.bodyTimeouts),
      '{ filename?, contentType?, size?, partSize?, eager?, duplicates?, title?, alt?, tags?, meta? }',
    );
    const eager = eagerPresets(services.grammar, body.eager);
    const upload = await uploads.create(c.get('tenant'), {
      filename: cleanFilename(body.filename),
      contentType: body.contentType ?? null,
      size: body.size,
      partSize: body.partSize,
      eager,
      metadata: userMetadataText(userMetadataFrom(body)),
      duplicates: body.duplicates ?? 'allow',
    });
    return c.json(
      {
        uploadId: upload.id,
        partSize: upload.part_size,
        maxParts: MAX_PARTS,
        minPartSize: MIN_PART_BYTES,
        expiresAt: new Date(upload.expires_at).toISOString(),
      },
      201,
    );
  });

  app.get('/', async (c) => {
    const page = await uploads.listOpen(c.get('tenant'), parsePageQuery(c.req.query()));
    return c.json({
      items: page.items.map((upload) => ({
        uploadId: upload.id,
        filename: upload.filename,
        contentType: upload.content_type,
        size: upload.declared_size,
        partSize: upload.part_size,
        receivedBytes: upload.received_bytes,
        receivedParts: upload.received_parts,
        createdAt: new Date(upload.created_at).toISOString(),
        expiresAt: new Date(upload.expires_at).toISOString(),
      })),
      next: page.next,
    });
  });

  app.get('/:id', async (c) => {
    const upload = await uploads.find(c.get('tenant'), uploadIdParam(c.req.param('id')));
    const image =
      upload.state === 'completed' && upload.image_id !== null ? await services.catalog.getImage(upload.tenant, upload.image_id) : null;
    return c.json(describeUpload(upload, await uploads.parts(upload.id), image ? toImageObject(image) : null));
  });

  app.put('/:id/parts/:n', async (c) => {
    const id = uploadIdParam(c.req.param('id'));
    const partNumber = partNumberParam(c.req.param('n'));
    const part = await uploads.putPart(c.get('tenant'), id, partNumber, requestStream(c, services.config.bodyTimeouts), contentLength(c));
    c.header('etag', `"${part.etag}"`);
    return c.json(part, 200);
  });

  app.post('/:id/complete', async (c) => {
    const id = uploadIdParam(c.req.param('id'));
    const body = parseJsonBody(
      completeSchema,
      await readJsonBody(c, MAX_JSON_BYTES, services.config.bodyTimeouts),
      '{ parts?: [{ partNumber, etag }] }',
    );
    const { image, deduplicated, nearDuplicates } = await completeUpload(uploads, c.get('tenant'), id, body.parts);
    return c.json({ ...toImageObject(image), deduplicated, nearDuplicates }, deduplicated ? 200 : 201);
  });

  app.delete('/:id', async (c) => {
    await uploads.abort(c.get('tenant'), uploadIdParam(c.req.param('id')));
    return c.body(null, 204);
  });

  return app;
}

function describeUpload(upload: UploadRow, parts: PartRow[], image: ReturnType<typeof toImageObject> | null) {
  return {
    uploadId: upload.id,
    state: upload.state,
    filename: upload.filename,
    contentType: upload.content_type,
    size: upload.declared_size,
    partSize: upload.part_size,
    maxParts: MAX_PARTS,
    eager: upload.eager === null ? [] : upload.eager.split(','),
    createdAt: new Date(upload.created_at).toISOString(),
    expiresAt: new Date(upload.expires_at).toISOString(),
    receivedBytes: parts.reduce((sum, part) => sum + part.size, 0),
    parts: parts.map((part) => ({ partNumber: part.part_number, etag: part.etag, size: part.size })),
    image,
    error: upload.error_code === null ? null : { code: upload.error_code, detail: upload.error_detail },
  };
}

/**
 * Eager presets, checked now with the same parser as `POST /v1/images?eager=` (400
 * `invalid_transform` for an unknown preset): finding that out after a 1 GiB upload would be cruel.
 */
function eagerPresets(grammar: TransformContext, eager: string | string[] | undefined): string | null {
  const names = eagerNames(eager);
  if (names.length === 0) return null;
  planEager(grammar, names);
  return names.join(',');
}

/** JSON bodies here are small (a full part list is about 600 KB): refuse more before reading it. */
const MAX_JSON_BYTES = 2 * 1024 * 1024;

function uploadIdParam(raw: string): string {
  if (!isValidImageId(raw)) throw fail('invalid_request', `"${raw.slice(0, 80)}" is not an upload id`);
  return raw;
}

function partNumberParam(raw: string): number {
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_PARTS))
    throw fail('invalid_request', `part number must be an integer 1…${MAX_PARTS}, got "${raw.slice(0, 20)}"`);
  return n;
}

function contentLength(c: Context<Env>): number | undefined {
  const raw = c.req.header('content-length');
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw fail('invalid_request', 'invalid Content-Length');
  return Number(raw);
}
