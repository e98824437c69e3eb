import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../origin/openapi/document.ts';

/** A response as the test saw it, for checking against the document. */
export interface Recorded {
  method: string;
  /** The path as requested, without the query. */
  path: string;
  status: number;
  contentType: string;
  body: string;
}

type JsonObject = Record<string, unknown>;

/** `/v1/images/{id}` → a regex of the paths it matches: one segment per parameter, any rest for `{path}`. */
function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part === '{path}' ? '.*' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Checks recorded responses against the OpenAPI document: the route is in it, the status is one it
 * documents for that route, the media type is one it lists, and a JSON body validates (ajv, JSON
 * Schema 2020-12) against the schema of that route, status and media type.
 */
export class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; pattern: RegExp }[];
  /** `METHOD template` of every checked response, with the statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats.default(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
    this.routes = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), template, pattern: templatePattern(template) })),
    );
  }

  /** The documented route a request went to, if any: literal paths first (`/v1/sessions/current`). */
  routeOf(method: string, path: string): { method: string; template: string } | undefined {
    const candidates = this.routes.filter((route) => route.method === method && route.pattern.test(path));
    return candidates.find((entry) => !entry.template.includes('{')) ?? candidates[0];
  }

  /** What is wrong with the response, or undefined. */
  check(recorded: Recorded): string | undefined {
    const where = `${recorded.method} ${recorded.path} → ${recorded.status}`;
    const route = this.routeOf(recorded.method, recorded.path);
    if (!route) return `${where}: no route of the document matches`;
    const key = `${route.method} ${route.template}`;
    this.seen.set(key, (this.seen.get(key) ?? new Set()).add(recorded.status));
    const operation = this.document.paths[route.template]?.[route.method.toLowerCase()] as JsonObject;
    const responses = operation['responses'] as Record<string, JsonObject>;
    let response = responses[String(recorded.status)];
    let responsePointer = pointer('paths', route.template, route.method.toLowerCase(), 'responses', String(recorded.status));
    if (!response) return `${where}: status not documented for ${key} (documented: ${Object.keys(responses).join(', ')})`;
    const ref = response['$ref'];
    if (typeof ref === 'string') {
      const name = ref.slice('#/components/responses/'.length);
      response = (this.document['components'] as { responses: Record<string, JsonObject> }).responses[name] ?? {};
      responsePointer = pointer('components', 'responses', name);
    }
    const content = response['content'] as Record<string, JsonObject> | undefined;
    if (!content) return recorded.body === '' ? undefined : `${where}: a body where the document says there is none`;
    const mediaType = recorded.contentType.split(';')[0]?.trim() ?? '';
    const listed = Object.keys(content).find(
      (type) => type === mediaType || (type.endsWith('/*') && mediaType.startsWith(type.slice(0, -1))),
    );
    if (!listed) return `${where}: ${mediaType || 'no content type'} is not one of ${Object.keys(content).join(', ')}`;
    if (!mediaType.endsWith('json')) return undefined;
    const validate = this.validator(`${responsePointer}/${pointer('content', listed, 'schema')}`);
    let body: unknown;
    try {
      body = JSON.parse(recorded.body);
    } catch {
      return `${where}: the body is not JSON`;
    }
    if (validate(body)) return undefined;
    return `${where}: ${this.ajv.errorsText(validate.errors)} in ${recorded.body.slice(0, 300)}`;
  }

  private validator(schemaPointer: string): ValidateFunction {
    let validate = this.compiled.get(schemaPointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json#/${schemaPointer}` });
      this.compiled.set(schemaPointer, validate);
    }
    return validate;
  }
}
