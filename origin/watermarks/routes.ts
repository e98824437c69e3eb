import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { Hono } from 'hono';
import { fail } from '../../core/errors.ts';
import type { OriginVariables } from '../http/auth.ts';
import { rejectDeclaredOversize, requestStream } from '../http/request-body.ts';
import { mediaTypes } from '../media-types.ts';
import type { Services } from '../services.ts';
import { watermarkKey } from '../storage/layout.ts';
import { inspectImage } from '../ingest/inspect.ts';
import { receiveToTempFile } from '../ingest/receive.ts';
import { parsePageQuery } from '../http/page-query.ts';
import { listWatermarks, mediaTypeOfBytes, WATERMARK_NAME } from './watermark-list.ts';
/** Overlays are logos, not photos: a small cap keeps every render that uses one cheap. */
const MAX_WATERMARK_BYTES = 10 * 1024 * 1024;

/**
 * `/v1/watermarks`: list, read and delete the tenant's overlays, and
 * `PUT /v1/watermarks/:name`: the tenant's overlay for `wm_NAME`, validated like an upload.
 * Like images, a watermark name is immutable: the same bytes again are fine (200), others 409.
 */
export function watermarkRoutes(services: Services) {
  const app = new Hono<{ Variables: OriginVariables }>();
  app.get('/', async (c) => c.json(await listWatermarks(services.storage, c.get('tenant'), parsePageQuery(c.req.query()))));

  app.get('/:name', async (c) => {
    const name = knownName(c.req.param('name'));
    const stored = await services.storage.get(watermarkKey(c.get('tenant'), name));
    if (stored === null) throw fail('not_found', `watermark ${name} not found`);
    // At most MAX_WATERMARK_BYTES: read whole, so the type comes from the bytes on every backend.
    const bytes = await buffer(stored.body);
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': mediaTypeOfBytes(bytes),
      'content-length': String(bytes.byteLength),
      // The tenant's own bytes behind its key: never in a shared cache.
      'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff',
    });
  });

  // Variants already rendered with the overlay stay until their TTL (README, Watermarks).
  app.delete('/:name', async (c) => {
    const name = knownName(c.req.param('name'));
    const key = watermarkKey(c.get('tenant'), name);
    if ((await services.storage.head(key)) === null) throw fail('not_found', `watermark ${name} not found`);
    await services.storage.delete(key);
    return c.body(null, 204);
  });

  app.put('/:name', async (c) => {
    const name = c.req.param('name');
    if (!WATERMARK_NAME.test(name)) throw fail('invalid_request', `watermark name must match ${WATERMARK_NAME.source}`);
    const maxBytes = Math.min(MAX_WATERMARK_BYTES, services.config.maxUploadBytes);
    rejectDeclaredOversize(c, maxBytes);
    const received = await receiveToTempFile(requestStream(c, services.config.bodyTimeouts), { tempDir: services.tempDir, maxBytes });
    try {
      const facts = await inspectImage(received.path, {
        maxInputPixels: services.config.maxInputPixels,
        timeoutMs: services.config.renderTimeoutMs,
        svg: services.svg,
      });
      const key = watermarkKey(c.get('tenant'), name);
      const result = { name, format: facts.format, width: facts.width, height: facts.height, bytes: received.bytes };
      // Create-if-absent, so of two uploads racing for a new name exactly one defines it.
      const created = await services.storage.putIfAbsent(key, await readFile(received.path), { contentType: mediaTypes[facts.format] });
      if (created) return c.json(result, 201);
      const existing = await services.storage.get(key);
      if (!existing) throw fail('unavailable', `watermark ${name} changed while it was written; retry`, { retryAfter: 1 });
      // Variants are cached for a year, so a name must keep meaning the same overlay.
      const same =
        createHash('sha256')
          .update(await buffer(existing.body))
          .digest('hex') === received.sha256;
      if (!same) throw fail('conflict', `watermark ${name} exists with other content; watermarks are immutable, upload under a new name`);
      return c.json(result, 200);
    } finally {
      await received.discard();
    }
  });
  return app;
}

/** A name PUT would refuse cannot exist: unknown, like another tenant's. */
function knownName(name: string): string {
  if (!WATERMARK_NAME.test(name)) throw fail('not_found', `watermark ${name.slice(0, 80)} not found`);
  return name;
}
