import type { Duplex } from 'node:stream';
import { RequestError } from '@hono/node-server';
import { fail, problemResponse } from '../../core/errors.ts';
import { newRequestId, REQUEST_ID_HEADER } from '../../core/request-id.ts';
import { currentRequestId } from '../log-scope.ts';
import type { Logger } from '../logger.ts';

/**
 * Requests refused below Hono answer with the same problem+json as everything else (SPEC
 * section 5) instead of the adapter's and Node's bare, bodiless 400s.
 */

/**
 * The node-server adapter's error handler: a request it cannot turn into a Request (a backslash
 * or dot segment it refuses, a bad Host) is the client's; anything else is unexpected.
 */
export function adapterErrorHandler(logger: Logger) {
  return function answerAdapterError(error: unknown): Response {
    if (error instanceof RequestError)
      return problemResponse(fail('invalid_request', `malformed request: ${error.message}`), currentRequestId());
    logger.error('unexpected error in the HTTP adapter', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return problemResponse(
      fail('unavailable', 'the service could not complete the request; try again later', { retryAfter: 1 }),
      currentRequestId(),
    );
  };
}

/**
 * Node's `clientError`: the bytes are not HTTP (bad framing, bad header characters, headers too
 * large). The connection is closed after a 400 problem, as Node itself would, but with a body.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const detail =
    error.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are too large' : `malformed HTTP request (${error.code ?? 'parse error'})`;
  // No request was parsed, so no client id can be kept: the answer still carries one of its own.
  const requestId = newRequestId();
  const body = JSON.stringify(fail('invalid_request', detail).toProblem(requestId));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\n${REQUEST_ID_HEADER}: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
