import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import { isValidImageId } from '../../core/ids.ts';
import type { Catalog, ImageRecord } from '../catalog/types.ts';
import type { OriginVariables } from '../http/auth.ts';
import { parsePageQuery } from '../http/page-query.ts';
import { parseJsonBody, readJsonBody } from '../http/request-body.ts';
import type { Services } from '../services.ts';
import { batchArchive } from './archive.ts';
import { planTransforms } from '../transform/plan.ts';
import { planItems } from './plan.ts';
import { plannedJobs } from './variant-job.ts';
import { newBatchId, isValidBatchId } from './batch-id.ts';

type Env = { Variables: OriginVariables };

/** Variants one batch may ask for; larger jobs are split by the client. */
export const MAX_BATCH_ITEMS = 100_000;
/** Room for MAX_BATCH_ITEMS image ids and nothing much more: the body is read whole. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** The body of `POST /v1/batches`. */
export const bodySchema = z
  .object({
    presets: z.array(z.string().max(64)).max(100).optional(),
    transforms: z.array(z.string().max(1024)).max(100).optional(),
    images: z.array(z.string().max(64)).max(MAX_BATCH_ITEMS).optional(),
  })
  .strict();

/** `/v1/batches` (SPEC section 4): create, progress, and the ZIP of the outputs. */
export function batchRoutes(services: Services) {
  const app = new Hono<Env>();

  app.post('/', async (c) => {
    const body = parseJsonBody(
      bodySchema,
      await readJsonBody(c, MAX_JSON_BYTES, services.config.bodyTimeouts),
      '{ presets?: [names], transforms?: [ops], images?: [ids] }',
    );
    const { presets = [], transforms = [], images: ids } = body;
    if (presets.length + transforms.length === 0) throw fail('invalid_request', 'a batch needs at least one preset or transform');
    const planned = planTransforms(services.grammar, { presets, transforms });
    // Fail fast, before anything is written, when jobs cannot be queued.
    await services.queue.ping();
    const tenant = c.get('tenant');
    const images = ids === undefined ? await allImages(services.catalog, tenant) : await namedImages(services.catalog, tenant, ids);
    const items = planItems(images, planned);
    if (items.length > MAX_BATCH_ITEMS)
      throw fail('invalid_request', `the batch has ${items.length} variants; at most ${MAX_BATCH_ITEMS} per batch`);

    const id = newBatchId();
    await services.batches.create({ id, tenant, items });
    try {
      await services.queue.enqueue(plannedJobs(items, id));
    } catch (error) {
      await services.batches.delete(id);
      throw error;
    }
    // The line that ties the request's id to the batch's, whose jobs log under batchId.
    services.logger.info('batch queued', { batchId: id, tenant, items: items.length });
    return c.json({ id, state: items.length === 0 ? 'completed' : 'queued', total: items.length }, 202);
  });

  app.get('/', async (c) => c.json(await services.batches.list(c.get('tenant'), parsePageQuery(c.req.query()))));

  app.get('/:id', async (c) => {
    const progress = await services.batches.get(c.get('tenant'), batchIdParam(c.req.param('id')));
    if (progress === null) throw fail('not_found', `batch ${c.req.param('id')} not found`);
    return c.json(progress);
  });

  app.get('/:id/archive', async (c) => {
    const id = batchIdParam(c.req.param('id'));
    const progress = await services.batches.get(c.get('tenant'), id);
    if (progress === null) throw fail('not_found', `batch ${id} not found`);
    if (progress.state === 'queued' || progress.state === 'running') {
      throw fail(
        'conflict',
        `batch ${id} is still ${progress.state} (${progress.done + progress.failed} of ${progress.total} finished); the archive is ready when it completes`,
      );
    }
    const stream = Readable.toWeb(batchArchive(services, id)) as ReadableStream<Uint8Array>;
    return new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="batch-${id}.zip"`,
        'cache-control': 'no-store',
      },
    });
  });

  return app;
}

function batchIdParam(id: string): string {
  // An id that cannot exist is simply unknown.
  if (!isValidBatchId(id)) throw fail('not_found', `batch ${id.slice(0, 80)} not found`);
  return id;
}

async function allImages(catalog: Catalog, tenant: string): Promise<ImageRecord[]> {
  const images: ImageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.listImages(tenant, { limit: 1000, cursor });
    images.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor !== undefined && images.length <= MAX_BATCH_ITEMS);
  // Oldest first, so the archive and the error list read in upload order.
  return images.reverse();
}

async function namedImages(catalog: Catalog, tenant: string, ids: readonly string[]): Promise<ImageRecord[]> {
  const images: ImageRecord[] = [];
  for (const id of new Set(ids)) {
    if (!isValidImageId(id)) throw fail('invalid_request', `"${id.slice(0, 80)}" is not an image id`);
    const image = await catalog.getImage(tenant, id);
    if (image === null) throw fail('not_found', `image ${id} not found`);
    images.push(image);
  }
  return images;
}
