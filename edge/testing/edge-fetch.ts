import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import type { Env } from '../env.ts';
import app from '../index.ts';

export const EDGE = 'https://edge.test';

/**
 * One request through the Worker's default export with these bindings; waits for its
 * `waitUntil` work (cache writes) so the next request sees the cache as a client would.
 */
export async function edgeFetch(env: Env, path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${EDGE}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A fresh image id per test, so tests never share cache entries. */
export function freshId(): string {
  return `img${crypto.randomUUID().replaceAll('-', '')}`;
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
}

export async function problemOf(response: Response): Promise<Problem> {
  if (response.headers.get('content-type') !== 'application/problem+json') {
    throw new Error(`expected problem+json, got ${String(response.headers.get('content-type'))} (${String(response.status)})`);
  }
  return response.json<Problem>();
}
