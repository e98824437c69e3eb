import type { Kysely } from 'kysely';
import { fail } from '../../core/errors.ts';
import type { Database } from '../catalog/schema.ts';
import type { Catalog } from '../catalog/types.ts';
import type { UsageTables } from './schema.ts';

export interface Tally {
  count: number;
  bytes: number;
}

export interface StatsRow {
  day: string;
  format: string;
  uploads: Tally;
  renders: Tally;
  deliveries: Tally;
}

export interface StatsReport {
  from: string;
  to: string;
  /** Only the days and formats with any activity, by day then format. */
  days: StatsRow[];
  totals: { uploads: Tally; renders: Tally; deliveries: Tally };
}

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

/** Uploads (from `upload_counts`) beside renders and deliveries (from `usage_counts`) for one tenant. */
export async function statsReport(
  catalog: Catalog,
  database: Kysely<Database>,
  tenant: string,
  range: { from: string; to: string },
): Promise<StatsReport> {
  const db = database.withTables<UsageTables>();
  const [uploads, usage] = await Promise.all([
    catalog.uploadCounts(tenant, range),
    db
      .selectFrom('usage_counts')
      .select(['day', 'kind', 'format', 'count', 'bytes'])
      .where('tenant', '=', tenant)
      .where('day', '>=', range.from)
      .where('day', '<=', range.to)
      .execute(),
  ]);
  const rows = new Map<string, StatsRow>();
  const rowFor = (day: string, format: string): StatsRow => {
    const key = `${day} ${format}`;
    let row = rows.get(key);
    if (!row) {
      row = { day, format, uploads: zero(), renders: zero(), deliveries: zero() };
      rows.set(key, row);
    }
    return row;
  };
  for (const upload of uploads) add(rowFor(upload.day, upload.format).uploads, upload);
  for (const entry of usage) {
    const row = rowFor(entry.day, entry.format);
    add(entry.kind === 'render' ? row.renders : row.deliveries, entry);
  }
  const days = [...rows.values()].sort((a, b) => a.day.localeCompare(b.day) || a.format.localeCompare(b.format));
  const totals = { uploads: zero(), renders: zero(), deliveries: zero() };
  for (const row of days) {
    add(totals.uploads, row.uploads);
    add(totals.renders, row.renders);
    add(totals.deliveries, row.deliveries);
  }
  return { ...range, days, totals };
}

function parseDay(name: string, value: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(value) : Number.NaN;
  // Date.parse accepts 2026-02-30 as March 2nd; a real day formats back to itself.
  if (Number.isNaN(time) || formatDay(time) !== value)
    throw fail('invalid_request', `${name} must be a day as YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return time;
}

const formatDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const zero = (): Tally => ({ count: 0, bytes: 0 });

function add(into: Tally, from: { count: number; bytes: number }): void {
  // PostgreSQL's bigint arrives as a number through the pool's parser; Number() guards SQLite too.
  into.count += Number(from.count);
  into.bytes += Number(from.bytes);
}
