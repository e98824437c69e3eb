import createClient from 'openapi-fetch';
import type { paths } from '../../core/api-types.ts';
import type { Problem } from './types.ts';

/** A failed API call, carrying the service's problem detail (RFC 9457) to show to the user. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
  }
  get status(): number {
    return this.problem.status;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
let csrfToken: string | undefined;
const unauthorizedListeners = new Set<() => void>();

/** The token of the current session; cookie-authenticated changes must carry it. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Headers every changing request needs: the CSRF token when signed in with a session. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken === undefined ? {} : { 'x-pixelfront-csrf': csrfToken };
}

/** Tells the listeners the service answered 401 (also to requests made without the client, such as uploads). */
export function reportUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

/** Called whenever the service answers 401: the session ended or was never there. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/**
 * The API on this origin, with the session cookie, typed from its OpenAPI document: paths,
 * parameters, bodies and answers are checked by the compiler (openapi-fetch over core/api-types.ts).
 */
export const client = createClient<paths>({ credentials: 'same-origin', headers: { accept: 'application/json' } });

client.use({
  onRequest({ request }) {
    if (!safeMethods.has(request.method)) for (const [name, value] of Object.entries(csrfHeaders())) request.headers.set(name, value);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) reportUnauthorized();
    return response;
  },
});

/** What a client call answered: its data, or its problem thrown as ApiError (`undefined` for a 204). */
export async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  throw new ApiError(problemOf(error, response));
}

/** The problem a failed response carries, or one made from its status when it carries none. */
function problemOf(error: unknown, response: Response): Problem {
  if (typeof error === 'object' && error !== null && typeof (error as Partial<Problem>).detail === 'string') return error as Problem;
  return {
    type: 'about:blank',
    title: response.statusText,
    status: response.status,
    detail: `${response.status} ${response.statusText}`,
    code: 'unavailable',
  };
}

/** A message for any thrown value, for the page's error banners. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title;
  return error instanceof Error ? error.message : String(error);
}
