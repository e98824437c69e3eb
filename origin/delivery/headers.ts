import type { VariantSource } from '../transform/variant-lookup.ts';

/**
 * Delivery headers of SPEC section 6, shared by originals and variants. Images are immutable
 * (an id always names the same bytes), so every 200 may be cached for a year.
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * The one exception (SPEC section 8): f_auto's fast-first answer, a stand-in while the better
 * format renders (origin/transform/fast-first.ts). The edge keeps it no longer either.
 */
export const FAST_FIRST_CACHE = 'public, max-age=60';
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export interface DeliveryInfo {
  contentType: string;
  etag: string;
  canonicalPath: string;
  source: VariantSource;
  /** Cache-Control when it is not IMMUTABLE (a fast-first answer). */
  cacheControl?: string;
  /** The request headers the answer depends on: Accept for f_auto, the client hints w_auto and dpr_auto read. */
  vary?: readonly string[];
  /** Stage timings in ms, for Server-Timing. */
  timings?: Record<string, number>;
  /** What a render decoded (`ladder-1600`, `original`): Server-Timing's `decode` entry. */
  decoded?: string | undefined;
  bytes?: number;
}

/**
 * A plain record rather than a `Headers` object: @hono/node-server writes a record straight to the
 * socket, while a `Headers` costs a WebIDL-validated copy per response (~6 % of a memory hit's
 * main-thread time in a --cpu-prof profile; bench/tuning.json).
 */
export function deliveryHeaders(info: DeliveryInfo): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': info.contentType,
    'cache-control': info.cacheControl ?? IMMUTABLE,
    etag: info.etag,
    'x-content-type-options': 'nosniff',
    'x-variant-source': info.source,
    link: `<${info.canonicalPath}>; rel="canonical"`,
  };
  if (info.bytes !== undefined) headers['content-length'] = String(info.bytes);
  if (info.vary !== undefined && info.vary.length > 0) headers['vary'] = info.vary.join(', ');
  if (info.contentType === 'image/svg+xml') headers['content-security-policy'] = SVG_CSP;
  // A memory hit has no stages: an empty Server-Timing would be a header with nothing in it.
  const timing = info.timings === undefined ? '' : serverTiming(info.timings, info.decoded);
  if (timing !== '') headers['server-timing'] = timing;
  return headers;
}

/** `decoded` adds `decode;desc="ladder-1600";dur=<render ms>`: which source the render decoded. */
export function serverTiming(timings: Record<string, number>, decoded?: string): string {
  const entries = Object.entries(timings).map(([stage, ms]) => `${stage.replace(/[^A-Za-z0-9_-]/g, '_')};dur=${ms.toFixed(1)}`);
  if (decoded !== undefined) {
    const desc = `decode;desc="${decoded.replace(/[^A-Za-z0-9_-]/g, '_')}"`;
    entries.push(timings['total'] === undefined ? desc : `${desc};dur=${timings['total'].toFixed(1)}`);
  }
  return entries.join(', ');
}

/** A 304 revalidates without reading the bytes from anywhere, so it names no variant source. */
export function notModified(info: DeliveryInfo): Response {
  const { 'content-length': _length, 'content-type': _type, 'x-variant-source': _source, ...headers } = deliveryHeaders(info);
  return new Response(null, { status: 304, headers });
}
