import type { Logger } from '../logger.ts';
import { imageCacheTag } from '../../core/cache-tag.ts';

export interface CloudflarePurgeOptions {
  /** e.g. https://api.cloudflare.com/client/v4 (no trailing slash needed). */
  apiUrl: string;
  zoneId: string;
  apiToken: string;
  /** Deadline of one purge call. */
  timeoutMs?: number;
  /** Waits before the 2nd, 3rd, … attempt; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
}

type Attempt = { ok: true } | { ok: false; retry: boolean; reason: string };

const defaultTimeoutMs = 3_000;
const defaultRetryDelaysMs = [1_000, 5_000, 25_000];

/**
 * Purges a deleted image from Cloudflare's cache by its Cache-Tag, through the zone's purge_cache
 * API. The first call is awaited (bounded by `timeoutMs`) so that a 204 usually means the edge no
 * longer has the image; a failed one is retried in the background after growing waits. A purge
 * never throws: the image is already gone at the origin, and the failure is logged with the id
 * so it can be purged by hand.
 */
export class CloudflarePurger {
  private readonly endpoint: string;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly options: CloudflarePurgeOptions,
    private readonly logger: Logger,
  ) {
    this.endpoint = `${options.apiUrl.replace(/\/+$/, '')}/zones/${encodeURIComponent(options.zoneId)}/purge_cache`;
  }

  /** Purges `img-<id>`; resolves after the first attempt, retrying in the background if it failed. */
  async purgeImage(id: string): Promise<void> {
    const tag = imageCacheTag(id);
    const first = await this.attempt(tag);
    if (first.ok) return;
    this.retryLater(tag, 0, first);
  }

  /** Cancels scheduled retries and calls in flight (process shutdown); what was pending is logged. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.timers.size > 0) this.logger.error('edge purge: retries abandoned at shutdown', { pending: this.timers.size });
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
  }

  private retryLater(tag: string, retry: number, last: Exclude<Attempt, { ok: true }>): void {
    const delays = this.options.retryDelaysMs ?? defaultRetryDelaysMs;
    const delay = delays[retry];
    if (!last.retry || delay === undefined || this.closed) {
      this.logger.error('edge purge failed; purge the tag by hand', { tag, attempts: retry + 1, reason: last.reason });
      return;
    }
    this.logger.warn('edge purge failed; retrying', { tag, attempt: retry + 1, inMs: delay, reason: last.reason });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(tag).then((result) => {
        if (result.ok) this.logger.info('edge purge succeeded after retrying', { tag, attempts: retry + 2 });
        else this.retryLater(tag, retry + 1, result);
      });
    }, delay);
    // Pending retries never keep a finished process alive.
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(tag: string): Promise<Attempt> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(
      () => controller.abort(new Error(`timed out after ${this.options.timeoutMs ?? defaultTimeoutMs} ms`)),
      this.options.timeoutMs ?? defaultTimeoutMs,
    );
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tags: [tag] }),
        signal: controller.signal,
      });
      const text = await response.text();
      if (response.ok && !reportsFailure(text)) return { ok: true };
      // 429 and 5xx pass; other 4xx (bad token, unknown zone) will not change by retrying.
      const retry = response.ok || response.status === 429 || response.status >= 500;
      return { ok: false, retry, reason: `HTTP ${response.status}: ${text.slice(0, 300)}` };
    } catch (error) {
      const cause: unknown = controller.signal.aborted ? controller.signal.reason : error;
      return { ok: false, retry: true, reason: cause instanceof Error ? cause.message : String(cause) };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }
}

/** Cloudflare's envelope: `{ "success": false, "errors": [...] }` can come with a 200. */
function reportsFailure(text: string): boolean {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && 'success' in body && body.success === false;
  } catch {
    return false;
  }
}
