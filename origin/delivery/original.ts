import { Readable } from 'node:stream';
import { fail } from '../../core/errors.ts';
import type { Catalog, ImageRecord } from '../catalog/types.ts';
import { mediaTypes } from '../media-types.ts';
import type { Services } from '../services.ts';
import { originalKey } from '../storage/layout.ts';
import { etagMatches } from '../../core/conditional.ts';
import { deliveryHeaders, notModified, type DeliveryInfo } from './headers.ts';

/**
 * Looks up the image of a public /img URL (its id already checked by the route): unknown is 404.
 * Every request asks the catalog, uncached: a delete on any replica must end delivery everywhere.
 */
export async function findPublicImage(catalog: Pick<Catalog, 'getImageById'>, id: string): Promise<ImageRecord> {
  const image = await catalog.getImageById(id);
  if (!image) throw fail('not_found', `image ${id} not found`);
  return image;
}

/**
 * `GET /img/<id>`: the original bytes, streamed (`counted`: false for HEAD, which sends none). SVG is the exception: it is served
 * sanitised (no scripts, handlers or external references) under a sandboxing CSP, because a
 * browser opening it directly would otherwise run whatever the uploader put in it.
 */
export async function deliverOriginal(
  services: Pick<Services, 'catalog' | 'storage' | 'variants' | 'usage'>,
  input: { id: string; ifNoneMatch: string | undefined; counted: boolean },
): Promise<Response> {
  const { id, ifNoneMatch, counted } = input;
  const image = await findPublicImage(services.catalog, id);
  const isSvg = image.format === 'svg';
  const info: DeliveryInfo = {
    contentType: mediaTypes[image.format],
    etag: `"${isSvg ? 'svg-' : ''}${image.sha256.slice(0, 40)}"`,
    canonicalPath: `/img/${image.id}`,
    source: 'storage',
  };
  if (etagMatches(ifNoneMatch, info.etag)) return notModified(info);

  if (isSvg) {
    // Sanitised once and kept with the render sources, not on every request.
    const clean = await services.variants.source(image);
    if (counted) countOriginal(services, image, clean.length);
    return new Response(clean, { headers: deliveryHeaders({ ...info, bytes: clean.length }) });
  }
  const stored = await services.storage.get(originalKey(image.id));
  if (!stored) throw fail('not_found', `image ${id} not found`);
  if (counted) countOriginal(services, image, stored.size);
  return new Response(Readable.toWeb(stored.body) as ReadableStream<Uint8Array>, {
    headers: deliveryHeaders({ ...info, bytes: stored.size }),
  });
}

function countOriginal(services: Pick<Services, 'usage'>, image: ImageRecord, bytes: number): void {
  services.usage.countDelivery({ tenant: image.tenant, imageId: image.id, format: image.format, preset: undefined, bytes });
}
