import { REQUEST_ID_HEADER, requestInstance } from './request-id.ts';

/**
 * The error catalogue (SPEC section 5): every error a client can see, with its HTTP status and
 * a public title. Shared by the edge and the origin; each runtime turns a PixelfrontError into
 * an `application/problem+json` response in exactly one place.
 */
export const errorCatalogue = {
  invalid_transform: { status: 400, title: 'Invalid transform' },
  invalid_request: { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  invalid_signature: { status: 403, title: 'Invalid signature' },
  csrf_required: { status: 403, title: 'CSRF token required' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  request_timeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  near_duplicate: { status: 409, title: 'Near duplicate' },
  misdirected: { status: 421, title: 'Misdirected request' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  image_too_large: { status: 422, title: 'Image too large' },
  corrupt_image: { status: 422, title: 'Corrupt image' },
  rate_limited: { status: 429, title: 'Rate limited' },
  overloaded: { status: 503, title: 'Overloaded' },
  unavailable: { status: 503, title: 'Service unavailable' },
  bad_gateway: { status: 502, title: 'Bad gateway' },
  gateway_timeout: { status: 504, title: 'Gateway timeout' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** `urn:request:<id>`: the request this problem answered, to find it in the logs. */
  instance?: string;
  /** near_duplicate: the tenant's images the upload was refused for, nearest first. */
  nearDuplicates?: { id: string; distance: number }[];
}

export interface ErrorOptions {
  retryAfter?: number;
  cause?: unknown;
  nearDuplicates?: { id: string; distance: number }[];
}

/** An error caused by the request or a backend, with its public code; never a 500. */
export class PixelfrontError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying (503 overloaded). */
  readonly retryAfter: number | undefined;
  readonly nearDuplicates: { id: string; distance: number }[] | undefined;

  constructor(code: ErrorCode, detail: string, options: ErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = 'PixelfrontError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.retryAfter = options.retryAfter;
    this.nearDuplicates = options.nearDuplicates;
  }

  toProblem(requestId?: string): Problem {
    const problem: Problem = {
      type: problemType(this.code),
      title: errorCatalogue[this.code].title,
      status: this.status,
      detail: this.message,
      code: this.code,
    };
    if (requestId !== undefined) problem.instance = requestInstance(requestId);
    if (this.nearDuplicates !== undefined) problem.nearDuplicates = this.nearDuplicates;
    return problem;
  }
}

/** Shorthand for `throw fail('not_found', 'image abc does not exist')`. */
export function fail(code: ErrorCode, detail: string, options?: ErrorOptions): PixelfrontError {
  return new PixelfrontError(code, detail, options);
}

export function isPixelfrontError(error: unknown): error is PixelfrontError {
  return error instanceof PixelfrontError;
}

export function problemType(code: ErrorCode): string {
  return `https://pixelfront.dev/errors/${code}`;
}

/**
 * The JSON body and headers of a problem response; the one place both runtimes build it from.
 * A 401 names the scheme it wants (RFC 9110 section 15.5.2): keys are bearer tokens.
 */
export function problemResponse(error: PixelfrontError, requestId?: string): Response {
  const headers = new Headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  if (error.retryAfter !== undefined) headers.set('retry-after', String(error.retryAfter));
  if (error.status === 401) headers.set('www-authenticate', 'Bearer');
  if (requestId !== undefined) headers.set(REQUEST_ID_HEADER, requestId);
  return new Response(JSON.stringify(error.toProblem(requestId)), { status: error.status, headers });
}
