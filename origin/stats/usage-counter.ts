import type { Kysely } from 'kysely';
import type { Database } from '../catalog/schema.ts';
import type { Logger } from '../logger.ts';
import { PendingSums } from './pending-sums.ts';
import type { ImageDeliveryCountsTable, UsageCountsTable, UsageTables } from './schema.ts';

// At most 8 parameters a row: well under SQLite's and PostgreSQL's limits on bound parameters.
const rowsPerStatement = 500;

/** Which preset a URL named, if any: the `t_NAME` of `/img/<id>/t_NAME,…`. */
export type PresetName = string | undefined;

export interface RenderUsage {
  tenant: string;
  format: string;
  preset: PresetName;
  bytes: number;
  /** Estimated CPU time of the render in microseconds (transform/render-cpu.ts). */
  cpuUs: number;
}

export interface DeliveryUsage {
  tenant: string;
  imageId: string;
  format: string;
  preset: PresetName;
  bytes: number;
}

/** One edge counter row (POST /v1/edge-stats), already attributed to the image's owner. */
export interface EdgeUsage {
  tenant: string;
  imageId: string;
  day: string;
  format: string;
  preset: PresetName;
  hits: number;
  /** Bytes of the bodies served from the edge cache. */
  hitBytes: number;
  misses: number;
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10); // UTC

/**
 * Counts renders, deliveries and edge hits without a database write per request: counts add up
 * in memory per UTC day, tenant, kind, format and preset (and per image for deliveries), and a
 * flush every `flushMs` (and at close) adds them to `usage_counts` and `image_delivery_counts`
 * with one upsert per chunk. The upsert adds to the stored numbers, so several replicas flushing
 * into one database sum up. A failed flush keeps its counts for the next one.
 */
export class UsageCounter {
  private readonly usage = usageSums();
  private readonly images = imageSums();
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
  countRender(render: RenderUsage, at: Date = new Date()): void {
    const { tenant, format, preset, bytes, cpuUs } = render;
    this.usage.add({ day: dayOf(at), tenant, kind: 'render', format, preset: preset ?? '', count: 1, bytes, cpu_us: Math.round(cpuUs) });
  }

  /** One `/img` response with a body of `bytes` (originals and variants; 304s are not deliveries). */
  countDelivery(delivery: DeliveryUsage, at: Date = new Date()): void {
    const { tenant, imageId, format, preset, bytes } = delivery;
    const day = dayOf(at);
    this.usage.add({ day, tenant, kind: 'delivery', format, preset: preset ?? '', count: 1, bytes, cpu_us: 0 });
    this.images.add({ day, tenant, image_id: imageId, count: 1, bytes });
  }

  /**
   * Edge hits and misses (POST /v1/edge-stats), written before this resolves, in one transaction:
   * a send the origin accepted (202) is stored, and a failed write (it rejects, 503) stores none of
   * it, so the Worker's retry counts it once. Hits are deliveries the origin never saw, so they count
   * for `top` too.
   */
  async recordEdge(rows: readonly EdgeUsage[]): Promise<void> {
    const usage = usageSums();
    const images = imageSums();
    for (const edge of rows) {
      const { tenant, imageId, day, format } = edge;
      const preset = edge.preset ?? '';
      if (edge.hits > 0) {
        usage.add({ day, tenant, kind: 'edge_hit', format, preset, count: edge.hits, bytes: edge.hitBytes, cpu_us: 0 });
        images.add({ day, tenant, image_id: imageId, count: edge.hits, bytes: edge.hitBytes });
      }
      if (edge.misses > 0) usage.add({ day, tenant, kind: 'edge_miss', format, preset, count: edge.misses, bytes: 0, cpu_us: 0 });
    }
    if (usage.size === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const chunk of chunks(usage.take())) await upsertUsage(trx, chunk);
      for (const chunk of chunks(images.take())) await upsertImages(trx, chunk);
    });
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

  private async write(): Promise<void> {
    await this.writeChunks(this.usage, 'usage counts', (rows) => upsertUsage(this.db, rows));
    await this.writeChunks(this.images, 'image delivery counts', (rows) => upsertImages(this.db, rows));
  }

  private async writeChunks<Row extends object>(
    pending: PendingSums<Row>,
    what: string,
    upsert: (rows: Row[]) => Promise<unknown>,
  ): Promise<void> {
    if (pending.size === 0) return;
    const rows = pending.take();
    let written = 0;
    try {
      for (; written < rows.length; written += rowsPerStatement) await upsert(rows.slice(written, written + rowsPerStatement));
    } catch (error) {
      // Chunks before `written` are stored; the rest go back to be added to the next flush.
      for (const row of rows.slice(written)) pending.add(row);
      this.options.logger.warn(`${what} not flushed; retrying with the next flush`, { rows: rows.length - written, error: String(error) });
    }
  }
}

type UsageDb = Kysely<Database & UsageTables>;

const usageSums = () => new PendingSums<UsageCountsTable>(['day', 'tenant', 'kind', 'format', 'preset'], ['count', 'bytes', 'cpu_us']);
const imageSums = () => new PendingSums<ImageDeliveryCountsTable>(['day', 'tenant', 'image_id'], ['count', 'bytes']);

function* chunks<Row>(rows: readonly Row[]): Generator<Row[]> {
  for (let start = 0; start < rows.length; start += rowsPerStatement) yield rows.slice(start, start + rowsPerStatement);
}

/** Adds the rows to the stored counters (several replicas' sums add up). */
function upsertUsage(db: UsageDb, rows: UsageCountsTable[]) {
  return db
    .insertInto('usage_counts')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['tenant', 'day', 'kind', 'format', 'preset']).doUpdateSet((eb) => ({
        count: eb('usage_counts.count', '+', eb.ref('excluded.count')),
        bytes: eb('usage_counts.bytes', '+', eb.ref('excluded.bytes')),
        cpu_us: eb('usage_counts.cpu_us', '+', eb.ref('excluded.cpu_us')),
      })),
    )
    .execute();
}

function upsertImages(db: UsageDb, rows: ImageDeliveryCountsTable[]) {
  return db
    .insertInto('image_delivery_counts')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['tenant', 'day', 'image_id']).doUpdateSet((eb) => ({
        count: eb('image_delivery_counts.count', '+', eb.ref('excluded.count')),
        bytes: eb('image_delivery_counts.bytes', '+', eb.ref('excluded.bytes')),
      })),
    )
    .execute();
}
