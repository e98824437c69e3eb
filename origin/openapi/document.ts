import { z } from 'zod';
import { errorCatalogue, type ErrorCode } from '../../core/errors.ts';
import { REQUEST_ID_PATTERN } from '../../core/request-id.ts';
import { roleOf } from '../../core/roles.ts';
import { SchemaComponents, type JsonSchema } from './json-schemas.ts';
import { isRawBody, type Content, type Operation } from './operation.ts';
import { operations } from './operations.ts';
import { problemSchema } from './problem.ts';

/**
 * The OpenAPI 3.1 document of the origin (`GET /v1/openapi.json`), built from the route registry
 * (operations.ts) and the zod schemas it names; nothing in it is written by hand twice.
 */

export const OPENAPI_VERSION = '3.1.1';

const unsafeMethods = new Set(['post', 'put', 'patch', 'delete']);

/** Errors any route can answer: a malformed request (also a dot segment in the path), a backend down. */
const everyRoute: readonly ErrorCode[] = ['invalid_request', 'unavailable'];

/** The errors a route can answer: its own and those of its kind. */
export function errorsOf(operation: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>([...everyRoute, ...operation.errors]);
  // A body that stops arriving is cut off (BODY_IDLE_TIMEOUT_MS, UPLOAD_TIMEOUT_MS).
  if (operation.body !== undefined) codes.add('request_timeout');
  if (roleOf(operation.method.toUpperCase(), operation.path) !== undefined) codes.add('misdirected');
  if (operation.access === 'tenant') {
    codes.add('unauthorized');
    codes.add('rate_limited');
    if (unsafeMethods.has(operation.method)) codes.add('csrf_required');
  }
  if (operation.access === 'admin') {
    codes.add('unauthorized');
    codes.add('forbidden'); // a tenant's credentials
  }
  if (operation.access === 'edge') codes.add('unauthorized');
  return [...codes];
}

export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, Record<string, JsonSchema>> };

let built: OpenApiDocument | undefined;

/** The document; built once, it depends on code only. */
export function openApiDocument(): OpenApiDocument {
  built ??= buildDocument(operations);
  return built;
}

export function buildDocument(list: readonly Operation[]): OpenApiDocument {
  const components = new SchemaComponents();
  const problem = components.convert(problemSchema, 'output', 'Problem');
  const errorResponses = new Map<string, JsonSchema>();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of list) {
    paths[operation.path] ??= {};
    const item = paths[operation.path] ?? {};
    if (item[operation.method]) throw new Error(`${operation.method.toUpperCase()} ${operation.path} is declared twice`);
    item[operation.method] = operationObject(operation, components, (status, codes, form) => {
      if (form === 'inline') return problemResponse(status, codes, problem);
      // One shared response per status and set of codes: most routes answer the same few.
      const name = codes.join('.');
      errorResponses.set(name, problemResponse(status, codes, problem));
      return { $ref: `#/components/responses/${name}` };
    });
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'pixelfront',
      version: '1',
      description:
        'Image upload and on-the-fly transformation CDN. `/v1/*` takes and returns JSON and needs `Authorization: Bearer <key>` ' +
        '(or the console session cookie) when `API_KEYS` is set; every error is `application/problem+json` (see the Problem schema).',
    },
    tags: [...new Set(list.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components.all(),
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'kept when it matches the pattern, else the service makes one; found in every log line of the request',
          schema: { type: 'string', pattern: requestIdPattern },
        },
      },
      headers: {
        RequestId: { description: "the request's id (the client's, or a new one)", schema: { type: 'string', pattern: requestIdPattern } },
      },
      responses: Object.fromEntries([...errorResponses.entries()].sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API key of `API_KEYS`' },
        adminBearer: { type: 'http', scheme: 'bearer', description: 'an admin key of `ADMIN_KEYS`' },
        edgeBearer: { type: 'http', scheme: 'bearer', description: 'the `EDGE_STATS_SECRET` shared by the edge Worker and the origin' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'pixelfront_session',
          description: 'from `POST /v1/sessions`; changes also need the `X-Pixelfront-CSRF` header',
        },
      },
    },
  };
}

function securityOf(operation: Operation): JsonSchema[] {
  if (operation.access === 'tenant') return [{ bearer: [] }, { session: [] }, {}];
  if (operation.access === 'admin') return [{ adminBearer: [] }];
  if (operation.access === 'edge') return [{ edgeBearer: [] }];
  return [];
}

function operationObject(
  operation: Operation,
  components: SchemaComponents,
  errorResponse: (status: string, codes: ErrorCode[], form: 'ref' | 'inline') => JsonSchema,
): JsonSchema {
  const id = operationId(operation);
  const parameters = [
    ...pathParameters(operation, components, id),
    ...parametersOf('query', operation.query, components, id),
    ...parametersOf('header', operation.headers, components, id),
    { $ref: '#/components/parameters/RequestId' },
  ];
  const responses: Record<string, JsonSchema> = {};
  for (const [status, content] of successResponses(operation)) {
    responses[status] = {
      description: statusText(status),
      ...headersObject(operation.responseHeaders),
      ...contentObject(content, 'output', components, `${id}${status}`),
    };
  }
  for (const [status, codes] of errorsByStatus(errorsOf(operation))) {
    const success = responses[status];
    // A status that is also an answer (`/readyz`'s 503 report) carries the problem beside it.
    if (success)
      success['content'] = { ...(success['content'] as JsonSchema), ...(errorResponse(status, codes, 'inline')['content'] as JsonSchema) };
    else responses[status] = errorResponse(status, codes, 'ref');
  }
  return {
    operationId: id,
    summary: operation.summary,
    ...(operation.description === undefined ? {} : { description: operation.description }),
    tags: [operation.tag],
    security: securityOf(operation),
    parameters,
    ...(operation.body === undefined
      ? {}
      : { requestBody: { required: true, ...contentObject(operation.body, 'input', components, `${id}Body`) } }),
    responses,
  };
}

/** `GET /v1/images/{id}` → `getV1ImagesId`: stable, and what the generated client types are keyed by. */
function operationId(operation: Operation): string {
  const words = operation.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return operation.method + words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
}

function successResponses(operation: Operation): [string, Content][] {
  return Object.entries(operation).filter(([key]) => /^\d{3}$/.test(key)) as [string, Content][];
}

function contentObject(content: Content, io: 'input' | 'output', components: SchemaComponents, owner: string): JsonSchema {
  if (content === null) return {};
  if (content instanceof z.ZodType) return { content: { 'application/json': { schema: components.convert(content, io, owner) } } };
  const byType = isRawBody(content) ? Object.fromEntries(content.raw.map((type) => [type, content])) : content;
  const media: Record<string, JsonSchema> = {};
  for (const [type, body] of Object.entries(byType)) {
    media[type] = isRawBody(body)
      ? { schema: { type: 'string', contentMediaType: type, ...(body.description ? { description: body.description } : {}) } }
      : { schema: components.convert(body, io, owner) };
  }
  return { content: media };
}

function pathParameters(operation: Operation, components: SchemaComponents, owner: string): JsonSchema[] {
  const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
  const shape: Record<string, z.ZodType> = operation.params?.shape ?? {};
  return names.map((name) => {
    const schema = shape[name] ?? z.string();
    return { name, in: 'path', required: true, ...schemaAndDescription(schema, components, owner) };
  });
}

function parametersOf(
  where: 'query' | 'header',
  object: z.ZodObject | undefined,
  components: SchemaComponents,
  owner: string,
): JsonSchema[] {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, schema]) => ({
    name,
    in: where,
    required: !(schema as z.ZodType).safeParse(undefined).success,
    ...schemaAndDescription(schema as z.ZodType, components, owner),
  }));
}

/** A parameter's description is the parameter's, not its schema's (Swagger UI shows only that one). */
function schemaAndDescription(schema: z.ZodType, components: SchemaComponents, owner: string): JsonSchema {
  const { description, ...rest } = components.convert(schema, 'input', owner);
  return { ...(typeof description === 'string' ? { description } : {}), schema: rest };
}

/** Every response echoes the request id; some have more headers. */
function headersObject(headers: Record<string, string> = {}): JsonSchema {
  const own = Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]);
  return { headers: { ...requestIdHeader, ...Object.fromEntries(own) } };
}

const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
const requestIdPattern = REQUEST_ID_PATTERN.source;

function errorsByStatus(codes: readonly ErrorCode[]): [string, ErrorCode[]][] {
  const byStatus = new Map<string, ErrorCode[]>();
  for (const code of codes) {
    const status = String(errorCatalogue[code].status);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** A problem+json response narrowed to this status and the codes this route answers with it. */
function problemResponse(status: string, codes: ErrorCode[], problem: JsonSchema): JsonSchema {
  const retry = codes.some((code) => code === 'rate_limited' || code === 'overloaded' || code === 'unavailable');
  return {
    description: codes.map((code) => `\`${code}\``).join(' · '),
    headers: {
      ...requestIdHeader,
      ...(retry ? { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } } : {}),
    },
    content: {
      'application/problem+json': {
        schema: {
          allOf: [problem, { type: 'object', properties: { status: { const: Number(status) }, code: { enum: codes } } }],
        },
      },
    },
  };
}

const statusTexts: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No content',
  '301': 'Moved permanently',
  '302': 'Found',
  '304': 'Not modified',
  '503': 'Not ready',
};

function statusText(status: string): string {
  return statusTexts[status] ?? status;
}
