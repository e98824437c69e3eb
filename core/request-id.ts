/**
 * The id one request carries through the edge, the origin and their logs (`X-Request-Id`). A
 * client's own id is kept when it is safe to echo and to write into a log line; anything else
 * (absent, too long, spaces, quotes, control characters) is replaced by a fresh one.
 */
export const REQUEST_ID_HEADER = 'x-request-id';

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export function acceptedRequestId(offered: string | null | undefined): string {
  return offered !== null && offered !== undefined && REQUEST_ID_PATTERN.test(offered) ? offered : newRequestId();
}

export function newRequestId(): string {
  return crypto.randomUUID();
}

/** The problem+json `instance` naming the request a problem answered (RFC 9457 section 3.1.5). */
export function requestInstance(requestId: string): string {
  return `urn:request:${requestId}`;
}
