import { Hono } from 'hono';
import { fail } from '../../core/errors.ts';
import type { OriginVariables } from '../http/auth.ts';
import { parseQuery } from '../http/query.ts';
import { toImageObject } from '../ingest/image-object.ts';
import type { Services } from '../services.ts';
import { hashStoredImage } from './backfill.ts';
import { similarQuerySchema } from './responses.ts';

const DEFAULT_LIMIT = 20;

/**
 * `GET /v1/images/:id/similar`: the tenant's images nearest the image's perceptual hash. Only the
 * tenant's own images are looked at (another tenant's id is a 404, and the band lookup is by
 * tenant). An image stored before perceptual hashes is hashed now, once.
 */
export function similarRoutes(services: Services) {
  const app = new Hono<{ Variables: OriginVariables }>();
  const { catalog, config } = services;

  app.get('/:id/similar', async (c) => {
    const tenant = c.get('tenant');
    const query = parseQuery(similarQuerySchema, c.req.query());
    const image = await catalog.getImage(tenant, c.req.param('id'));
    if (!image) throw fail('not_found', `image ${c.req.param('id')} not found`);
    const maxDistance = query.maxDistance ?? config.nearDuplicateDistance;
    const hash = image.perceptualHash ?? (await hashStoredImage(services, image));
    if (hash === null) return c.json({ maxDistance, items: [] });
    const found = await catalog.findSimilar(tenant, hash, { maxDistance, limit: query.limit ?? DEFAULT_LIMIT, excludeId: image.id });
    const items = [];
    for (const { id, distance } of found) {
      // An image deleted between the two reads is simply not listed.
      const similar = await catalog.getImage(tenant, id);
      if (similar) items.push({ distance, image: toImageObject(similar) });
    }
    return c.json({ maxDistance, items });
  });

  return app;
}
