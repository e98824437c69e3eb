import type { Kysely } from 'kysely';
import type { OutputFormat } from '../../core/transform-spec.ts';
import { newestFirstPage } from '../catalog/cursor.ts';
import type { Database } from '../catalog/schema.ts';
import type { BatchTables } from './schema.ts';

/** One variant of a planned batch. */
export interface BatchItem {
  imageId: string;
  canonical: string;
  format: OutputFormat;
  variantKey: string;
  name: string;
}

export type BatchState = 'queued' | 'running' | 'completed' | 'failed';

export interface BatchError {
  image: string;
  name: string;
  code: string;
  detail: string;
}

/** The body of `GET /v1/batches/:id`. */
export interface BatchProgress {
  id: string;
  state: BatchState;
  total: number;
  done: number;
  failed: number;
  errors: BatchError[];
  createdAt: string;
}

/** One line of `GET /v1/batches`: the progress without the error list. */
export type BatchSummary = Omit<BatchProgress, 'errors'>;

export interface BatchPage {
  items: BatchSummary[];
  next: string | null;
}

/** What a job knows about its item. */
export interface ItemRef {
  batchId: string;
  imageId: string;
  canonical: string;
  format: string;
}

export type ItemResult = { ok: true } | { ok: false; code: string; detail: string };

export interface PendingItem extends BatchItem {
  batchId: string;
}

const insertChunk = 200; // 8 columns per row stays far below every driver's bind limit
const errorsListed = 100;
const pageSize = 500;

/**
 * Batches and their items in the catalog database. Items only move pending → done | failed, and
 * progress is counted from them, so repeating a job (a retry, a killed worker) never counts twice.
 */
export class BatchStore {
  private readonly db: Kysely<Database & BatchTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<BatchTables>();
  }

  async create(batch: { id: string; tenant: string; items: readonly BatchItem[]; createdAt?: Date }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('batches')
        .values({
          id: batch.id,
          tenant: batch.tenant,
          total: batch.items.length,
          created_at: (batch.createdAt ?? new Date()).getTime(),
          started_at: null,
        })
        .execute();
      for (let start = 0; start < batch.items.length; start += insertChunk) {
        const rows = batch.items.slice(start, start + insertChunk).map((item, index) => ({
          batch_id: batch.id,
          seq: start + index,
          image_id: item.imageId,
          canonical: item.canonical,
          format: item.format,
          variant_key: item.variantKey,
          name: item.name,
          state: 'pending' as const,
          error_code: null,
          error_detail: null,
        }));
        await trx.insertInto('batch_items').values(rows).execute();
      }
    });
  }

  /** Removes a batch that could not be queued. */
  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('batch_items').where('batch_id', '=', id).execute();
      await trx.deleteFrom('batches').where('id', '=', id).execute();
    });
  }

  /** Progress within the tenant; another tenant's batch is null. */
  async get(tenant: string, id: string): Promise<BatchProgress | null> {
    const batch = await this.db.selectFrom('batches').selectAll().where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
    if (batch === undefined) return null;
    const counts = await this.db
      .selectFrom('batch_items')
      .select(['state', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
      .where('batch_id', '=', id)
      .groupBy('state')
      .execute();
    const count = (state: string) => Number(counts.find((row) => row.state === state)?.count ?? 0);
    const done = count('done');
    const failed = count('failed');
    const pending = count('pending');
    const errors = await this.db
      .selectFrom('batch_items')
      .select(['image_id', 'name', 'error_code', 'error_detail'])
      .where('batch_id', '=', id)
      .where('state', '=', 'failed')
      .orderBy('seq')
      .limit(errorsListed)
      .execute();
    const total = Number(batch.total);
    return {
      id,
      state: stateOf({ total, done, pending, started: batch.started_at !== null }),
      total,
      done,
      failed,
      errors: errors.map((row) => ({
        image: row.image_id,
        name: row.name,
        code: row.error_code ?? 'unavailable',
        detail: row.error_detail ?? '',
      })),
      createdAt: new Date(Number(batch.created_at)).toISOString(),
    };
  }

  /**
   * The tenant's batches, newest first, a page at a time; the cursor is the (createdAt, id) of a
   * page's last batch, as for images, and the (tenant, created_at) index serves the order.
   */
  async list(tenant: string, options: { limit: number; cursor?: string | undefined }): Promise<BatchPage> {
    const query = this.db.selectFrom('batches').selectAll().where('tenant', '=', tenant);
    const { page, next } = await newestFirstPage(query, options);
    const counts =
      page.length === 0
        ? []
        : await this.db
            .selectFrom('batch_items')
            .select(['batch_id', 'state', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
            .where(
              'batch_id',
              'in',
              page.map((row) => row.id),
            )
            .groupBy(['batch_id', 'state'])
            .execute();
    const items = page.map((batch) => {
      const count = (state: string) => Number(counts.find((row) => row.batch_id === batch.id && row.state === state)?.count ?? 0);
      const total = Number(batch.total);
      const [done, failed, pending] = [count('done'), count('failed'), count('pending')];
      return {
        id: batch.id,
        state: stateOf({ total, done, pending, started: batch.started_at !== null }),
        total,
        done,
        failed,
        createdAt: new Date(Number(batch.created_at)).toISOString(),
      };
    });
    return { items, next };
  }

  async markStarted(id: string, at: Date = new Date()): Promise<void> {
    await this.db.updateTable('batches').set({ started_at: at.getTime() }).where('id', '=', id).where('started_at', 'is', null).execute();
  }

  /** Records a job's result on its item once; a repeat (retry, re-run after a crash) changes nothing. */
  async finish(job: ItemRef, result: ItemResult): Promise<void> {
    await this.db
      .updateTable('batch_items')
      .set(result.ok ? { state: 'done' } : { state: 'failed', error_code: result.code, error_detail: result.detail.slice(0, 500) })
      .where('batch_id', '=', job.batchId)
      .where('image_id', '=', job.imageId)
      .where('canonical', '=', job.canonical)
      .where('format', '=', job.format)
      .where('state', '=', 'pending')
      .execute();
  }

  /** The finished variants of a batch in archive order, a page at a time. */
  async *doneItems(id: string): AsyncGenerator<BatchItem> {
    let after = -1;
    for (;;) {
      const rows = await this.db
        .selectFrom('batch_items')
        .selectAll()
        .where('batch_id', '=', id)
        .where('state', '=', 'done')
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of rows) yield toItem(row);
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) return;
      after = Number(last.seq);
    }
  }

  /** Every unfinished item of every batch (queued again when the in-process queue starts). */
  async pendingItems(): Promise<PendingItem[]> {
    const rows = await this.db
      .selectFrom('batch_items')
      .selectAll()
      .where('state', '=', 'pending')
      .orderBy('batch_id')
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({ batchId: row.batch_id, ...toItem(row) }));
  }
}

function toItem(row: { image_id: string; canonical: string; format: string; variant_key: string; name: string }): BatchItem {
  if (!isOutputFormat(row.format)) throw new Error(`catalog: batch item ${row.variant_key} has unknown format ${row.format}`);
  return { imageId: row.image_id, canonical: row.canonical, format: row.format, variantKey: row.variant_key, name: row.name };
}

const outputFormats: ReadonlySet<string> = new Set<OutputFormat>(['jpeg', 'png', 'webp', 'avif', 'jxl', 'gif']);

function isOutputFormat(format: string): format is OutputFormat {
  return outputFormats.has(format);
}

/** completed: every item finished and at least one made (failures are listed); failed: none could be made. */
export function stateOf(counts: { total: number; done: number; pending: number; started: boolean }): BatchState {
  if (counts.pending > 0) return counts.started || counts.pending < counts.total ? 'running' : 'queued';
  return counts.total > 0 && counts.done === 0 ? 'failed' : 'completed';
}
