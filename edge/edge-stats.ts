import { REQUEST_ID_HEADER } from '../core/request-id.ts';
import type { EdgeConfig } from './config.ts';
import type { Env } from './env.ts';
import { fetchFromOrigin } from './origin-client.ts';

/** One row of `POST /v1/edge-stats` (origin/stats/api-schema.ts, edgeStatsBodySchema). */
export interface EdgeCount {
  id: string;
  day: string;
  format: string;
  preset: string | null;
  hits: number;
  hitBytes: number;
  misses: number;
}

/** What the origin accepts in one request; a longer list goes in several. */
const rowsPerRequest = 10_000;
/**
 * Beyond this many distinct rows (an origin down for long), new rows are dropped rather than memory
 * grown; the next send due logs how many hits and misses that cost.
 */
const maxPendingRows = 50_000;

/**
 * The Worker's hit and miss counters per image, UTC day, output format and preset, held in the
 * isolate's memory and sent to the origin at most every `flushMs`, from the request that finds
 * them due (through `waitUntil`, beside its answer). An isolate evicted before its next send loses
 * what it counted since the last one: the accepted loss (README, Edge statistics). A failed send
 * keeps its rows for the next one.
 */
export class EdgeCounters {
  private pending = new Map<string, EdgeCount>();
  private lastSend = Number.NEGATIVE_INFINITY;
  private sending = false;
  /** Hits and misses not kept since the last warning: they came while `maxPendingRows` rows waited. */
  private dropped = 0;

  count(entry: { id: string; format: string; preset: string | undefined; state: 'hit' | 'miss'; bytes: number }, now: number): void {
    const day = new Date(now).toISOString().slice(0, 10);
    const hit = entry.state === 'hit';
    this.merge({
      id: entry.id,
      day,
      format: entry.format,
      preset: entry.preset ?? null,
      hits: hit ? 1 : 0,
      hitBytes: hit ? entry.bytes : 0,
      misses: hit ? 0 : 1,
    });
  }

  /**
   * The send to hand to `waitUntil` when one is due (none in flight, `flushMs` since the last); else
   * undefined. `requestId` is the request that made it: its failure is logged under that id.
   */
  sendIfDue(now: number, flushMs: number, send: (rows: EdgeCount[]) => Promise<void>, requestId = ''): Promise<void> | undefined {
    if (this.sending || this.pending.size === 0 || now - this.lastSend < flushMs) return undefined;
    if (this.dropped > 0) {
      console.warn(`edge: ${String(this.dropped)} hits and misses not counted: ${String(maxPendingRows)} rows waited for the origin`);
      this.dropped = 0;
    }
    this.sending = true;
    this.lastSend = now;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    return (async () => {
      let sent = 0;
      try {
        for (; sent < rows.length; sent += rowsPerRequest) await send(rows.slice(sent, sent + rowsPerRequest));
      } catch (error) {
        for (const row of rows.slice(sent)) this.merge(row);
        console.warn(`edge: statistics not sent; kept for the next send (request ${requestId})`, String(error));
      } finally {
        this.sending = false;
      }
    })();
  }

  private merge(row: EdgeCount): void {
    const key = `${row.id} ${row.day} ${row.format} ${row.preset ?? ''}`;
    const entry = this.pending.get(key);
    if (entry) {
      entry.hits += row.hits;
      entry.hitBytes += row.hitBytes;
      entry.misses += row.misses;
    } else if (this.pending.size < maxPendingRows) {
      this.pending.set(key, { ...row });
    } else {
      this.dropped += row.hits + row.misses;
    }
  }
}

/** One set of counters per isolate, found through its bindings object like the config (nothing module-global to configure). */
const counters = new WeakMap<Env, EdgeCounters>();

export function edgeCountersFor(env: Env): EdgeCounters {
  let found = counters.get(env);
  if (!found) counters.set(env, (found = new EdgeCounters()));
  return found;
}

/**
 * POSTs rows to an `api` origin with the shared secret, under the id of the request that made the
 * send (so the origin's access line of the POST is found by it); a non-2xx answer is a failed send.
 */
export async function sendToOrigin(config: EdgeConfig, secret: string, rows: EdgeCount[], requestId: string): Promise<void> {
  const response = await fetchFromOrigin(
    (base) =>
      new Request(`${base}/v1/edge-stats`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId },
        body: JSON.stringify({ counts: rows }),
      }),
    { origins: config.roleOrigins.api, affinityKey: 'edge-stats', timeoutMs: config.originTimeoutMs, retry: false },
  );
  await response.body?.cancel();
  if (!response.ok) throw new Error(`the origin answered ${String(response.status)} to POST /v1/edge-stats`);
}

/** `image/webp` → `webp`, `image/svg+xml` → `svg`: the origin's format names. */
export function formatOfContentType(contentType: string | null): string {
  const subtype = /^image\/([a-z0-9.-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase() ?? '';
  const format = subtype === 'jpg' ? 'jpeg' : (subtype.split('+')[0] ?? '');
  return /^[a-z0-9]{1,16}$/.test(format) ? format : 'other';
}
