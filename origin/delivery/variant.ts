import { hintVary, type ClientHints } from '../../core/client-hints.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import { acceptToken } from '../../core/negotiate.ts';
import { canonicalImagePath } from '../../core/signing.ts';
import type { ImageRecord } from '../catalog/types.ts';
import type { Services } from '../services.ts';
import type { CanonicalTransform } from '../transform/plan.ts';
import { autoFormat, fastFirstFormat } from '../transform/auto-format.ts';
import { variantRequest } from '../transform/variant-identity.ts';
import { etagMatches } from '../../core/conditional.ts';
import { deliveryHeaders, FAST_FIRST_CACHE, notModified, type DeliveryInfo } from './headers.ts';
import { findPublicImage } from './original.ts';

/**
 * The concrete output format for a spec and source (`f_auto` resolves against Accept), and the
 * fast format a cold f_auto may be answered with first (fast-first.ts).
 */
export function variantFormats(
  spec: TransformSpec,
  image: ImageRecord,
  accept: string | undefined,
): { format: OutputFormat; fast: OutputFormat | undefined } {
  const token = acceptToken(accept);
  const format = autoFormat(spec, image, token);
  return { format, fast: fastFirstFormat(spec, image, token, format) };
}

/**
 * `GET /img/<id>/<ops>` after parsing and the signature check: the image row, then 304, then
 * memory, storage and only then a render (VariantService).
 */
export async function deliverVariant(
  services: Pick<Services, 'catalog' | 'variants' | 'usage'>,
  input: {
    id: string;
    transform: CanonicalTransform;
    accept: string | undefined;
    /** The request's client hints (read only for w_auto and dpr_auto) and the limit a hinted box is held to. */
    hints: { values: ClientHints; maxOutputDimension: number };
    ifNoneMatch: string | undefined;
    counted: boolean;
  },
): Promise<Response> {
  const { transform } = input;
  const image = await findPublicImage(services.catalog, input.id);
  // The variant's identity, hashed once: its hash is the ETag's and its key the VariantService's.
  const formats = variantFormats(transform.spec, image, input.accept);
  const request = variantRequest(image, transform, formats.format, input.hints);
  const fast = formats.fast === undefined ? undefined : variantRequest(image, transform, formats.fast, input.hints);
  // Unique per image content and variant; strong, since the bytes never change.
  const etagOf = (hash: string) => `"${image.sha256.slice(0, 12)}-${hash}"`;
  const info: DeliveryInfo = {
    contentType: '',
    etag: etagOf(request.identity.hash),
    canonicalPath: canonicalImagePath(image.id, transform.canonical),
    source: 'memory',
    vary: [...(transform.spec.f === 'auto' ? ['Accept'] : []), ...hintVary(transform.spec)],
  };
  if (etagMatches(input.ifNoneMatch, info.etag)) return notModified(info);

  const lookup = await services.variants.get(request, fast);
  const { variant } = lookup;
  // A fast-first answer is the fast variant's bytes, under its own ETag, for a minute (SPEC section 8).
  if (lookup.upgrading !== undefined && fast !== undefined) {
    info.etag = etagOf(fast.identity.hash);
    info.cacheControl = FAST_FIRST_CACHE;
    if (etagMatches(input.ifNoneMatch, info.etag)) return notModified(info);
  }
  if (input.counted) {
    services.usage.countDelivery({
      tenant: image.tenant,
      imageId: image.id,
      format: variant.format,
      preset: transform.preset,
      bytes: variant.data.length,
    });
  }
  return new Response(variant.data, {
    headers: deliveryHeaders({
      ...info,
      contentType: variant.contentType,
      source: lookup.source,
      timings: lookup.timings,
      decoded: lookup.decoded,
      bytes: variant.data.length,
    }),
  });
}
