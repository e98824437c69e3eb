import type { z } from 'zod';
import type { ErrorCode } from '../../core/errors.ts';

/**
 * One route of the HTTP surface as the OpenAPI document describes it: the zod schemas of its
 * request and of each success response, and the error codes it can answer beyond the defaults
 * every route of its kind has (origin/openapi/document.ts). Declared in origin/openapi/operations.ts.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A body that is not JSON: bytes of these media types (`image/*`, `application/zip`, `text/html`…). */
export interface RawBody {
  raw: readonly string[];
  description?: string;
}

/** A body: JSON of a zod schema, bytes, several media types, or none (`null`: 204, 301, 304). */
export type Content = z.ZodType | RawBody | { [mediaType: string]: z.ZodType | RawBody } | null;

export interface OperationSpec {
  /** Success responses by status. */
  [status: number]: Content;
  description?: string;
  query?: z.ZodObject;
  /** Path parameters not given here are plain strings. */
  params?: z.ZodObject;
  /** Request headers that matter to this route. */
  headers?: z.ZodObject;
  body?: Content;
  /** Response headers of the success responses, by name. */
  responseHeaders?: Record<string, string>;
}

/**
 * Who may call a route: a tenant's key or session (`tenant`), an admin key (`admin`, ADMIN_KEYS),
 * the edge Worker with the shared EDGE_STATS_SECRET (`edge`), anyone (`public`).
 */
export type Access = 'tenant' | 'admin' | 'edge' | 'public';

export interface Operation extends OperationSpec {
  method: Method;
  /** OpenAPI template: `/v1/images/{id}`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  errors: readonly ErrorCode[];
}

/** Bytes of the given media types. */
export function raw(mediaTypes: readonly string[] | string, description?: string): RawBody {
  return { raw: typeof mediaTypes === 'string' ? [mediaTypes] : mediaTypes, ...(description === undefined ? {} : { description }) };
}

export function isRawBody(content: unknown): content is RawBody {
  return typeof content === 'object' && content !== null && 'raw' in content;
}

/**
 * An entry of the registry, in one line: `route('tenant', 'images', 'GET /v1/images/{id}',
 * 'The image object', { 200: imageObjectSchema }, ['not_found'])`.
 */
export function route(
  access: Access,
  tag: string,
  methodAndPath: `${Uppercase<Method>} /${string}`,
  summary: string,
  spec: OperationSpec,
  errors: readonly ErrorCode[] = [],
): Operation {
  const [method = '', path = ''] = methodAndPath.split(' ');
  return { ...spec, method: method.toLowerCase() as Method, path, summary, tag, access, errors };
}
