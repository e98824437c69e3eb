import { AsyncLocalStorage } from 'node:async_hooks';

/** What one unit of work (an HTTP request, a queued job) is known by in the logs. */
export interface LogScope {
  requestId?: string;
  batchId?: string;
  jobId?: string;
}

/**
 * An AsyncLocalStorage rather than loggers handed down: the code that logs (a variant write-back,
 * a catalog warning) runs deep inside services that are shared by every request, and still
 * writes the id of the request or job it is working for.
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
