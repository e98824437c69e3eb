import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids one unit of work (an HTTP request, a queued job) is known by in the logs. */
export interface LogFields {
  requestId?: string;
  batchId?: string;
  jobId?: string;
}

export interface LogScope extends LogFields {
  /** What the routes learnt about a request, for its access line (http/access-log.ts). */
  access?: { route: string | null; tenant: string | null };
}

/**
 * An AsyncLocalStorage rather than loggers handed down: the code that logs (a variant write-back,
 * a catalog warning) runs deep inside services shared by every request, and still writes the id
 * of the request or job it is working for.
 */
const storage = new AsyncLocalStorage<LogScope>();

export function runInLogScope<T>(scope: LogScope, work: () => T): T {
  return storage.run(scope, work);
}

export function currentLogScope(): LogScope | undefined {
  return storage.getStore();
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The ids of the current scope, for every log line (pino's mixin); the access notes stay out. */
export function currentLogFields(): LogFields {
  const scope = storage.getStore();
  if (scope === undefined) return {};
  const { access: _access, ...fields } = scope;
  return fields;
}
