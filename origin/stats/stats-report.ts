import type { Kysely } from 'kysely';
import { fail } from '../../core/errors.ts';
import type { Database } from '../catalog/schema.ts';
import type { StatsDimension, StatsReport, StatsRow, StatsTotals } from './api-schema.ts';
import { isoWeek, monthOf } from './periods.ts';
import type { UsageKind, UsageTables } from './schema.ts';

export type { StatsReport, StatsRow } from './api-schema.ts';

export const DEFAULT_STATS_DAYS = 30;
export const MAX_STATS_DAYS = 366;
const dayMs = 86_400_000;

/**
 * The inclusive UTC day range of `?from=&to=`: by default the last 30 days up to today; with only
 * one end, 30 days from or up to it. Malformed, reversed or longer than 366 days → 400.
 */
export function statsRange(
  query: { from?: string | undefined; to?: string | undefined },
  now: Date = new Date(),
): { from: string; to: string } {
  const from = query.from === undefined ? undefined : parseDay('from', query.from);
  const to = query.to === undefined ? undefined : parseDay('to', query.to);
  const end = to ?? (from === undefined ? Date.parse(now.toISOString().slice(0, 10)) : from + (DEFAULT_STATS_DAYS - 1) * dayMs);
  const start = from ?? end - (DEFAULT_STATS_DAYS - 1) * dayMs;
  if (start > end) throw fail('invalid_request', 'from must not be after to');
  if ((end - start) / dayMs + 1 > MAX_STATS_DAYS) throw fail('invalid_request', `at most ${MAX_STATS_DAYS} days per request`);
  return { from: formatDay(start), to: formatDay(end) };
}

/** Dimensions in the order they appear in a row and sort it. */
const dimensionOrder: readonly StatsDimension[] = ['tenant', 'month', 'week', 'day', 'format', 'preset'];

/** One summed row as read from the catalog, before it is placed in its group. */
interface CountedRow {
  day?: string;
  tenant?: string;
  format?: string;
  preset?: string;
  kind: UsageKind | 'upload';
  count: number;
  bytes: number;
  cpuUs: number;
}

/**
 * Uploads (from `upload_counts`) beside renders, deliveries and edge counts (from `usage_counts`),
 * summed per group of `groupBy`, for one tenant or (`tenant` undefined) every tenant. The catalog
 * sums by the stored columns a group needs; weeks and months are folded from days here.
 */
export async function statsReport(
  database: Kysely<Database>,
  scope: { tenant: string | undefined },
  range: { from: string; to: string },
  groupBy: readonly StatsDimension[],
): Promise<StatsReport> {
  const order = dimensionOrder.filter((dimension) => groupBy.includes(dimension));
  const rows = new Map<string, StatsRow>();
  for (const counted of await countedRows(database, scope, range, order)) {
    const keys = groupKeys(counted, order);
    const id = JSON.stringify(Object.values(keys));
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { ...keys, ...emptyTotals() }));
    add(row, counted);
  }
  const sorted = [...rows.values()].sort((a, b) => compareRows(a, b, order));
  const totals = emptyTotals();
  for (const row of sorted) {
    for (const part of ['uploads', 'renders', 'deliveries'] as const) {
      totals[part].count += row[part].count;
      totals[part].bytes += row[part].bytes;
    }
    totals.renders.cpuMs += row.renders.cpuMs;
    totals.edge.hits += row.edge.hits;
    totals.edge.misses += row.edge.misses;
  }
  for (const tallies of [totals, ...sorted]) {
    tallies.edge.hitRatio = hitRatio(tallies.edge);
    tallies.renders.cpuMs = Math.round(tallies.renders.cpuMs);
  }
  return { ...range, groupBy: order, rows: sorted, totals };
}

async function countedRows(
  database: Kysely<Database>,
  scope: { tenant: string | undefined },
  range: { from: string; to: string },
  order: readonly StatsDimension[],
): Promise<CountedRow[]> {
  const db = database.withTables<UsageTables>();
  const byDay = order.some((dimension) => dimension === 'day' || dimension === 'week' || dimension === 'month');
  const columns = [
    ...(byDay ? (['day'] as const) : []),
    ...(order.includes('tenant') ? (['tenant'] as const) : []),
    ...(order.includes('format') ? (['format'] as const) : []),
  ];
  let uploads = db
    .selectFrom('upload_counts')
    .select(columns)
    .select((eb) => [eb.fn.sum<number>('count').as('count'), eb.fn.sum<number>('bytes').as('bytes')])
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    // No column to group by (groupBy=preset, or nothing): one sum over the range.
    .$if(columns.length > 0, (query) => query.groupBy(columns));
  const usageColumns = [...columns, ...(order.includes('preset') ? (['preset'] as const) : []), 'kind' as const];
  let usage = db
    .selectFrom('usage_counts')
    .select(usageColumns)
    .select((eb) => [
      eb.fn.sum<number>('count').as('count'),
      eb.fn.sum<number>('bytes').as('bytes'),
      eb.fn.sum<number>('cpu_us').as('cpu_us'),
    ])
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(usageColumns);
  if (scope.tenant !== undefined) {
    uploads = uploads.where('tenant', '=', scope.tenant);
    usage = usage.where('tenant', '=', scope.tenant);
  }
  const [uploadRows, usageRows] = await Promise.all([uploads.execute(), usage.execute()]);
  // Sums arrive as numbers (SQLite) or numeric text (PostgreSQL): Number() for both.
  return [
    ...uploadRows.map((row) => ({ ...row, kind: 'upload' as const, count: Number(row.count), bytes: Number(row.bytes), cpuUs: 0 })),
    ...usageRows.map(({ cpu_us, ...row }) => ({ ...row, count: Number(row.count), bytes: Number(row.bytes), cpuUs: Number(cpu_us) })),
  ];
}

function groupKeys(row: CountedRow, order: readonly StatsDimension[]): Partial<StatsRow> {
  const keys: Partial<StatsRow> = {};
  const day = row.day ?? '';
  for (const dimension of order) {
    if (dimension === 'month') keys.month = monthOf(day);
    else if (dimension === 'week') keys.week = isoWeek(day);
    else if (dimension === 'day') keys.day = day;
    else if (dimension === 'tenant') keys.tenant = row.tenant ?? '';
    else if (dimension === 'format') keys.format = row.format ?? '';
    // Uploads have no preset; '' is how usage_counts stores "none".
    else keys.preset = row.preset === undefined || row.preset === '' ? null : row.preset;
  }
  return keys;
}

function add(row: StatsRow, counted: CountedRow): void {
  const { count, bytes } = counted;
  switch (counted.kind) {
    case 'upload':
      row.uploads.count += count;
      row.uploads.bytes += bytes;
      break;
    case 'render':
      row.renders.count += count;
      row.renders.bytes += bytes;
      row.renders.cpuMs += counted.cpuUs / 1000;
      break;
    case 'edge_hit':
      // Served from the edge cache: a delivery the origin never saw.
      row.edge.hits += count;
      row.deliveries.count += count;
      row.deliveries.bytes += bytes;
      break;
    case 'edge_miss':
      // The origin served it and counted the delivery itself.
      row.edge.misses += count;
      break;
    case 'delivery':
      row.deliveries.count += count;
      row.deliveries.bytes += bytes;
  }
}

function compareRows(a: StatsRow, b: StatsRow, order: readonly StatsDimension[]): number {
  for (const dimension of order) {
    // null (no preset) sorts first.
    const difference = (a[dimension] ?? '').localeCompare(b[dimension] ?? '');
    if (difference !== 0) return difference;
  }
  return 0;
}

const hitRatio = ({ hits, misses }: { hits: number; misses: number }) =>
  hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 10_000) / 10_000;

const emptyTotals = (): StatsTotals => ({
  uploads: { count: 0, bytes: 0 },
  renders: { count: 0, bytes: 0, cpuMs: 0 },
  deliveries: { count: 0, bytes: 0 },
  edge: { hits: 0, misses: 0, hitRatio: null },
});

function parseDay(name: string, value: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(value) : Number.NaN;
  // Date.parse accepts 2026-02-30 as March 2nd; a real day formats back to itself.
  if (Number.isNaN(time) || formatDay(time) !== value)
    throw fail('invalid_request', `${name} must be a day as YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return time;
}

const formatDay = (time: number) => new Date(time).toISOString().slice(0, 10);
