import type { Kysely } from 'kysely';
import type { Database } from '../catalog/schema.ts';
import type { Logger } from '../logger.ts';
import type { UsageCountsTable, UsageKind, UsageTables } from './schema.ts';

type PendingCount = UsageCountsTable;

// 6 parameters a row: well under SQLite's and PostgreSQL's limits on bound parameters.
const rowsPerStatement = 500;

/**
 * Counts renders and deliveries without a database write per request: counts add up in memory
 * per UTC day, tenant, kind and format, and a flush every `flushMs` (and at close) adds them to
 * `usage_counts` with one upsert per chunk. The upsert adds to the stored numbers, so several
 * replicas flushing into one database sum up. A failed flush keeps its counts for the next one.
 */
export class UsageCounter {
  private pending = new Map<string, PendingCount>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly db: Kysely<Database & UsageTables>;

  constructor(
    db: Kysely<Database>,
    private readonly options: { logger: Logger; flushMs: number },
  ) {
    this.db = db.withTables<UsageTables>();
  }

  /** Starts the periodic flush; the timer never keeps the process alive. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /** One variant rendered for an image of `tenant` (the image's owner). */
  countRender(tenant: string, format: string, bytes: number, at: Date = new Date()): void {
    this.add('render', tenant, format, bytes, at);
  }

  /** One `/img` response with a body of `bytes` (originals and variants; 304s are not deliveries). */
  countDelivery(tenant: string, format: string, bytes: number, at: Date = new Date()): void {
    this.add('delivery', tenant, format, bytes, at);
  }

  /** Writes what was counted so far. Flushes run one after another; never rejects. */
  flush(): Promise<void> {
    const next = this.flushing.then(() => this.write());
    this.flushing = next;
    return next;
  }

  /** Stops the timer and writes the rest (before the database closes). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private add(kind: UsageKind, tenant: string, format: string, bytes: number, at: Date): void {
    const day = at.toISOString().slice(0, 10); // UTC
    this.merge({ day, tenant, kind, format, count: 1, bytes });
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch.values()];
    let written = 0;
    try {
      for (; written < rows.length; written += rowsPerStatement) {
        await this.db
          .insertInto('usage_counts')
          .values(rows.slice(written, written + rowsPerStatement))
          .onConflict((conflict) =>
            conflict.columns(['tenant', 'day', 'kind', 'format']).doUpdateSet((eb) => ({
              count: eb('usage_counts.count', '+', eb.ref('excluded.count')),
              bytes: eb('usage_counts.bytes', '+', eb.ref('excluded.bytes')),
            })),
          )
          .execute();
      }
    } catch (error) {
      // Chunks before `written` are stored; the rest go back to be added to the next flush.
      for (const row of rows.slice(written)) this.merge(row);
      this.options.logger.warn('usage counts not flushed; retrying with the next flush', {
        rows: rows.length - written,
        error: String(error),
      });
    }
  }

  /** Adds a count to what is pending. */
  private merge(row: PendingCount): void {
    const key = [row.day, row.tenant, row.kind, row.format].join('\u0000');
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += row.count;
      entry.bytes += row.bytes;
    } else {
      this.pending.set(key, { ...row });
    }
  }
}
