import type { VariantSource } from '../transform/variants.ts';

/**
 * Delivery headers of SPEC section 6, shared by originals and variants. Images are immutable
 * (an id always names the same bytes), so every 200 may be cached for a year.
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export interface DeliveryInfo {
  contentType: string;
  etag: string;
  canonicalPath: string;
  source: VariantSource;
  /** f_auto responses differ by Accept. */
  varyAccept?: boolean;
  /** Stage timings in ms, for Server-Timing. */
  timings?: Record<string, number>;
  bytes?: number;
}

export function deliveryHeaders(info: DeliveryInfo): Headers {
  const headers = new Headers({
    'content-type': info.contentType,
    'cache-control': IMMUTABLE,
    etag: info.etag,
    'x-content-type-options': 'nosniff',
    'x-variant-source': info.source,
    link: `<${info.canonicalPath}>; rel="canonical"`,
  });
  if (info.bytes !== undefined) headers.set('content-length', String(info.bytes));
  if (info.varyAccept) headers.set('vary', 'Accept');
  if (info.contentType === 'image/svg+xml') headers.set('content-security-policy', SVG_CSP);
  if (info.timings) headers.set('server-timing', serverTiming(info.timings));
  return headers;
}

export function serverTiming(timings: Record<string, number>): string {
  return Object.entries(timings)
    .map(([stage, ms]) => `${stage.replace(/[^A-Za-z0-9_-]/g, '_')};dur=${ms.toFixed(1)}`)
    .join(', ');
}

/** A 304 revalidates without reading the bytes from anywhere, so it names no variant source. */
export function notModified(info: DeliveryInfo): Response {
  const headers = deliveryHeaders(info);
  headers.delete('content-length');
  headers.delete('content-type');
  headers.delete('x-variant-source');
  return new Response(null, { status: 304, headers });
}
