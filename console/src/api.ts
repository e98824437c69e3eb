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

/** Called whenever the service answers 401: the session ended or was never there. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls the API on this origin with the session cookie; JSON in and out, problems thrown as ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.json === undefined && options.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (!safeMethods.has(method)) Object.assign(headers, csrfHeaders());
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The problem a failed response carries, or one made from its status when it carries none. */
export async function problemOf(response: Response): Promise<ApiError> {
  let problem: Problem;
  try {
    problem = (await response.json()) as Problem;
    if (typeof problem.detail !== 'string') throw new Error('not a problem');
  } catch {
    problem = {
      type: 'about:blank',
      title: response.statusText,
      status: response.status,
      detail: `${response.status} ${response.statusText}`,
      code: 'unavailable',
    };
  }
  if (response.status === 401) for (const listener of unauthorizedListeners) listener();
  return new ApiError(problem);
}

/** A message for any thrown value, for the page's error banners. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title;
  return error instanceof Error ? error.message : String(error);
}
