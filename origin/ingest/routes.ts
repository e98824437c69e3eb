import { Hono, type Context } from 'hono';
import { fail, isPixelfrontError } from '../../core/errors.ts';
import type { OriginVariables } from '../http/auth.ts';
import { readJsonBody, rejectDeclaredOversize, requestStream, type BodyTimeouts } from '../http/request-body.ts';
import type { Config } from '../config.ts';
import type { UserMetadata } from '../catalog/types.ts';
import type { Services } from '../services.ts';
import { planEager, type PlannedTransform } from '../transform/plan.ts';
import { receiveForm } from './bulk-upload.ts';
import { parseListQuery } from './list-query.ts';
import { toImageObject } from './image-object.ts';
import { deleteImage } from './delete-image.ts';
import { cleanFilename, ingestReceivedFile } from './ingest-image.ts';
import { receiveToTempFile } from './receive.ts';
import { applyMetadataPatch, userMetadataFromText } from './user-metadata.ts';
import { duplicatePolicyFrom, type DuplicatePolicy } from '../similarity/near-duplicates.ts';

/** A patch carries at most 4 KiB of meta plus short texts and 50 tags. */
const MAX_PATCH_BYTES = 64 * 1024;

type Env = { Variables: OriginVariables };

/** `/v1/images`: uploads (raw and bulk form), listing, lookup and deletion (SPEC section 4). */
export function imageRoutes(services: Services) {
  const app = new Hono<Env>();
  const { catalog, config } = services;

  app.post('/', async (c) => {
    const contentType = (c.req.header('content-type') ?? 'application/octet-stream').toLowerCase();
    if (contentType.startsWith('multipart/form-data')) return bulkUpload(c, services);
    if (!contentType.startsWith('image/') && !contentType.startsWith('application/octet-stream')) {
      throw fail(
        'unsupported_media_type',
        `send the image as the raw body (image/* or application/octet-stream) or as multipart/form-data, not ${contentType.split(';')[0]}`,
      );
    }
    pointLargeFilesToMultipart(() => rejectDeclaredOversize(c, config.maxUploadBytes));
    const eager = planEager(services.grammar, c.req.query('eager')); // an unknown preset is a 400 before anything is stored
    const metadata = userMetadataFromText((name) => c.req.query(name)); // so is a bad title, tag or meta
    const duplicates = duplicatePolicyFrom(c.req.query('duplicates'));
    const received = await receiveToTempFile(requestStream(c, singleUpload(config)), {
      tempDir: services.tempDir,
      maxBytes: config.maxUploadBytes,
    }).catch((error: unknown) =>
      pointLargeFilesToMultipart(() => {
        throw error;
      }),
    );
    const filename = cleanFilename(c.req.query('filename') ?? filenameFromDisposition(c.req.header('content-disposition')));
    const { image, deduplicated, nearDuplicates } = await ingestReceivedFile(
      services,
      c.get('tenant'),
      received,
      { filename, ...metadata },
      duplicates,
    );
    await services.afterUpload(image, eager);
    return c.json({ ...toImageObject(image), deduplicated, nearDuplicates }, deduplicated ? 200 : 201);
  });

  app.get('/', async (c) => {
    const page = await catalog.listImages(
      c.get('tenant'),
      parseListQuery(
        (name) => c.req.query(name),
        (name) => c.req.queries(name),
      ),
    );
    return c.json({ items: page.items.map(toImageObject), next: page.next });
  });

  app.get('/:id', async (c) => {
    const image = await catalog.getImage(c.get('tenant'), c.req.param('id'));
    if (!image) throw fail('not_found', `image ${c.req.param('id')} not found`);
    return c.json(toImageObject(image));
  });

  app.patch('/:id', async (c) => {
    const tenant = c.get('tenant');
    const patch = await readJsonBody(c, MAX_PATCH_BYTES, config.bodyTimeouts);
    const image = await catalog.getImage(tenant, c.req.param('id'));
    if (!image) throw fail('not_found', `image ${c.req.param('id')} not found`);
    const { filename, title, alt, tags, meta } = image;
    const changed = applyMetadataPatch({ filename, title, alt, tags, meta }, patch);
    const updated = await catalog.updateImage(tenant, image.id, changed);
    if (!updated) throw fail('not_found', `image ${image.id} not found`);
    return c.json(toImageObject(updated));
  });

  app.delete('/:id', async (c) => {
    await deleteImage(services, c.get('tenant'), c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}

async function bulkUpload(c: Context<Env>, services: Services) {
  const headers = Object.fromEntries(c.req.raw.headers.entries());
  const form = await receiveForm(requestStream(c, singleUpload(services.config)), headers, {
    tempDir: services.tempDir,
    maxBytes: services.config.maxUploadBytes,
  });
  if (form.files.length === 0) throw fail('invalid_request', 'the form carries no file parts: send each image as a file field');
  let eager: PlannedTransform[];
  let metadata: UserMetadata;
  let duplicates: DuplicatePolicy;
  try {
    eager = planEager(services.grammar, c.req.query('eager') ?? form.fields['eager']);
    // The form's title, alt, tags and meta apply to every file of it.
    metadata = userMetadataFromText((name) => c.req.query(name) ?? form.fields[name]);
    duplicates = duplicatePolicyFrom(c.req.query('duplicates') ?? form.fields['duplicates']);
  } catch (error) {
    await Promise.all(form.files.map(async (file) => file.received?.discard()));
    throw error;
  }
  const items = [];
  // One at a time: validation decodes pixels, and a bulk request must not starve deliveries.
  for (const file of form.files) {
    if (file.error) {
      items.push({ ok: false, filename: file.filename, error: file.error.toProblem() });
      continue;
    }
    try {
      const given = { filename: cleanFilename(file.filename), ...metadata };
      const { image, deduplicated, nearDuplicates } = await ingestReceivedFile(services, c.get('tenant'), file.received, given, duplicates);
      await services.afterUpload(image, eager);
      items.push({ ok: true, deduplicated, nearDuplicates, image: toImageObject(image) });
    } catch (error) {
      if (!isPixelfrontError(error)) services.logger.error('bulk item failed', { error: String(error) });
      const problem = isPixelfrontError(error) ? error : fail('unavailable', 'this file could not be stored; retry it');
      items.push({ ok: false, filename: file.filename, error: problem.toProblem() });
    }
  }
  return c.json({ items }, 200);
}

/** A single upload over MAX_UPLOAD_BYTES is a 413 whose detail says where large files go. */
function pointLargeFilesToMultipart<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (isPixelfrontError(error) && error.code === 'payload_too_large') {
      throw fail('payload_too_large', `${error.message}; send larger files as a multipart upload (POST /v1/uploads)`);
    }
    throw error;
  }
}

/** `attachment; filename="a.jpg"` or RFC 5987 `filename*=UTF-8''a%20b.jpg`. */
export function filenameFromDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  return plain ? (plain[1] ?? plain[2])?.replace(/\\(.)/g, '$1') : undefined;
}

/** A single upload (raw body or form) must arrive whole within UPLOAD_TIMEOUT_MS. */
function singleUpload(config: Config): BodyTimeouts {
  return { idleMs: config.bodyTimeouts.idleMs, deadlineMs: config.bodyTimeouts.uploadMs };
}
