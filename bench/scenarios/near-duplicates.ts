/**
 * Near-duplicate lookups at catalog scale (issue 15): one tenant with N perceptual hashes (1 M in
 * the full run) on SQLite and on PostgreSQL, then the p95 of one `findSimilar` — the lookup every
 * upload makes — through the real KyselyCatalog, against a full scan of the tenant's hashes.
 *
 * Standalone: `node --import tsx bench/scenarios/near-duplicates.ts [rows]` (PostgreSQL from
 * TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, in a schema of its own, dropped after).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { createCatalog } from '../../origin/catalog/index.ts';
import type { Database } from '../../origin/catalog/schema.ts';
import { candidateQuery, perceptualHashColumns } from '../../origin/catalog/similar-query.ts';
import type { Catalog } from '../../origin/catalog/types.ts';
import { loadConfig } from '../../origin/config.ts';
import { hammingDistance } from '../../origin/similarity/hamming.ts';

export interface LookupFigures {
  maxDistance: number;
  lookups: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Median rows the band indexes return per lookup (measured apart from the timing). */
  medianCandidates: number;
}

export interface EngineFigures {
  engine: 'sqlite' | 'postgres';
  rows: number;
  loadSeconds: number;
  lookups: LookupFigures[];
  /** Every planted copy (at distances 2, 6 and 10 from a query) found at the default distance. */
  plantedFound: number;
  planted: number;
  /** Reading every hash of the tenant and measuring it: what the index saves. */
  scanMedianMs: number;
  plan: string;
}

export type NearDuplicateFigures = { engines: EngineFigures[]; skipped: string[] };

const TENANT = 'bench-tenant';
/** Rows of the full run's scenario (issue 15: "1 M hashes of one tenant"). */
export const NEAR_DUPLICATE_ROWS = 1_000_000;
/** NEAR_DUPLICATE_DISTANCE's default: the distance every upload looks up. */
export const NEAR_DUPLICATE_DEFAULT = 10;
const QUERIES = 20;
const PLANTED_DISTANCES = [2, 6, 10];

/**
 * Hashes shaped like real ones: a DCT hash has exactly 32 ones (a median split) and its DC bit is
 * always 1; the other bits are drawn at random. Real collections cluster more than this (similar
 * photos share bands), which adds candidates: the figures report them so that can be judged.
 */
export function realisticHash(): string {
  const bits = Array.from({ length: 63 }, (_, index) => index + 1);
  for (let index = 0; index < 31; index += 1) {
    const other = index + Math.floor(Math.random() * (63 - index));
    [bits[index], bits[other]] = [bits[other] ?? 0, bits[index] ?? 0];
  }
  let value = 1n << 63n;
  for (const bit of bits.slice(0, 31)) value |= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, '0');
}

/** The hash with `distance` bits changed, half ones to zeros and half zeros to ones (it stays a median split). */
function copyAt(hash: string, distance: number): string {
  let value = BigInt(`0x${hash}`);
  const ones: number[] = [];
  const zeros: number[] = [];
  for (let bit = 1; bit < 64; bit += 1) ((value >> BigInt(63 - bit)) & 1n ? ones : zeros).push(bit);
  const pick = (from: number[], count: number) => from.sort(() => Math.random() - 0.5).slice(0, count);
  for (const bit of [...pick(ones, distance / 2), ...pick(zeros, distance / 2)]) value ^= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, '0');
}

interface Row {
  id: string;
  sha256: string;
  createdAt: number;
  hash: string;
}

export function makeRows(count: number, queries: readonly string[]): Row[] {
  const rows: Row[] = [];
  const base = Date.UTC(2026, 0, 1);
  for (const query of queries)
    for (const distance of PLANTED_DISTANCES)
      rows.push({
        id: `planted-${distance}-${query}`,
        sha256: randomBytes(32).toString('hex'),
        createdAt: base,
        hash: copyAt(query, distance),
      });
  while (rows.length < count)
    rows.push({
      id: randomBytes(16).toString('base64url'),
      sha256: randomBytes(32).toString('hex'),
      createdAt: base + rows.length,
      hash: realisticHash(),
    });
  return rows;
}

export async function loadSqlite(db: Kysely<Database>, rows: readonly Row[]): Promise<void> {
  // Loading only: with SQLite's default 2 MiB page cache, a million inserts into a dozen random-keyed
  // indexes reread pages for many minutes. The lookups run with the default again, as the origin does.
  await sql`pragma cache_size = -524288`.execute(db);
  for (let chunk = 0; chunk < rows.length; chunk += 100_000) {
    await db.transaction().execute(async (trx) => {
      for (let start = chunk; start < Math.min(rows.length, chunk + 100_000); start += 500) {
        const batch = rows.slice(start, Math.min(start + 500, chunk + 100_000));
        await trx
          .insertInto('images')
          .values(batch.map((row) => ({ ...fixedColumns(row), ...perceptualHashColumns(row.hash) })))
          .execute();
      }
    });
  }
  await sql`pragma cache_size = -2000`.execute(db);
}

function fixedColumns(row: Row) {
  return {
    id: row.id,
    tenant: TENANT,
    format: 'jpeg',
    width: 1600,
    height: 1200,
    bytes: 250_000,
    sha256: row.sha256,
    frames: 1,
    has_alpha: 0,
    created_at: row.createdAt,
  };
}

/** Column arrays through unnest: 10,000 rows a statement instead of one statement per 500. */
export async function loadPostgres(db: Kysely<Database>, rows: readonly Row[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 10_000) {
    const batch = rows.slice(start, start + 10_000);
    const bands = batch.map((row) => perceptualHashColumns(row.hash));
    await sql`insert into images (id, tenant, format, width, height, bytes, sha256, frames, has_alpha, created_at, phash, phash_b0, phash_b1, phash_b2, phash_b3)
      select id, ${TENANT}, 'jpeg', 1600, 1200, 250000, sha256, 1, 0, created_at, phash, b0, b1, b2, b3
      from unnest(${batch.map((row) => row.id)}::text[], ${batch.map((row) => row.sha256)}::text[], ${batch.map((row) => row.createdAt)}::bigint[],
        ${batch.map((row) => row.hash)}::text[], ${bands.map((band) => band.phash_b0)}::int[], ${bands.map((band) => band.phash_b1)}::int[],
        ${bands.map((band) => band.phash_b2)}::int[], ${bands.map((band) => band.phash_b3)}::int[])
        as t(id, sha256, created_at, phash, b0, b1, b2, b3)`.execute(db);
  }
  // What autovacuum does in service after inserts (PostgreSQL 13+ vacuums on inserts too): the
  // planner's statistics, and the visibility map that lets a lookup read only the covering indexes.
  await sql`vacuum analyze images`.execute(db);
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

async function timeLookups(
  catalog: Catalog,
  db: Kysely<Database>,
  queries: readonly string[],
  maxDistance: number,
  count: number,
): Promise<LookupFigures> {
  const times: number[] = [];
  const candidates: number[] = [];
  for (let index = 0; index < count; index += 1) {
    // Half the lookups around a planted query, half around a fresh hash (an upload of a new picture).
    const hash = index % 2 === 0 ? (queries[index % queries.length] ?? realisticHash()) : realisticHash();
    const started = performance.now();
    await catalog.findSimilar(TENANT, hash, { maxDistance, limit: 100 });
    times.push(performance.now() - started);
    if (index < 20) candidates.push((await candidateQuery(db, TENANT, hash, maxDistance).execute()).length);
  }
  times.sort((a, b) => a - b);
  candidates.sort((a, b) => a - b);
  return {
    maxDistance,
    lookups: count,
    p50Ms: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    maxMs: times.at(-1) ?? Number.NaN,
    medianCandidates: percentile(candidates, 0.5),
  };
}

async function explain(db: Kysely<Database>, engine: EngineFigures['engine'], hash: string, maxDistance: number): Promise<string> {
  const compiled = candidateQuery(db, TENANT, hash, maxDistance).compile();
  const prefix = engine === 'sqlite' ? 'explain query plan ' : 'explain ';
  const { rows } = await db.executeQuery<Record<string, unknown>>({ ...compiled, sql: prefix + compiled.sql });
  return (
    rows
      .map((row) => {
        const step = row['detail'] ?? row['QUERY PLAN'];
        return typeof step === 'string' ? step : JSON.stringify(row);
      })
      // The plan's nodes, not the hundreds of band values in their conditions.
      .filter((step) => !/^\s*(Index Cond|Recheck Cond|Filter):/.test(step))
      .map((step) => step.trim().slice(0, 120))
      .join(' | ')
  );
}

async function measureEngine(
  engine: EngineFigures['engine'],
  databaseUrl: string,
  rowCount: number,
  log: (line: string) => void,
): Promise<EngineFigures> {
  const catalog = await createCatalog(loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', DATA_DIR: tmpdir() }));
  try {
    const queries = Array.from({ length: QUERIES }, () => realisticHash());
    const rows = makeRows(rowCount, queries);
    log(`near duplicates: loading ${rowCount} hashes into ${engine}`);
    const loadStarted = performance.now();
    await (engine === 'sqlite' ? loadSqlite(catalog.db, rows) : loadPostgres(catalog.db, rows));
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    log(`near duplicates: ${engine} loaded in ${loadSeconds.toFixed(0)} s; timing lookups`);
    // Warm the caches the way a serving catalog is warm.
    for (const query of queries) await catalog.findSimilar(TENANT, query, { maxDistance: NEAR_DUPLICATE_DEFAULT, limit: 100 });
    const lookups = [
      await timeLookups(catalog, catalog.db, queries, NEAR_DUPLICATE_DEFAULT, 200),
      await timeLookups(catalog, catalog.db, queries, 16, 20),
    ];
    let plantedFound = 0;
    for (const query of queries) {
      const found = new Set((await catalog.findSimilar(TENANT, query, { maxDistance: 10, limit: 100 })).map((image) => image.id));
      for (const distance of PLANTED_DISTANCES) if (found.has(`planted-${distance}-${query}`)) plantedFound += 1;
    }
    const scans: number[] = [];
    let scanned = 0;
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      const all = await catalog.db.selectFrom('images').select(['id', 'phash']).where('tenant', '=', TENANT).execute();
      for (const row of all) if (row.phash !== null && hammingDistance(queries[0] ?? '', row.phash) <= 10) scanned += 1;
      scans.push(performance.now() - started);
    }
    // The scan finds what the index finds (the planted copies of that query), or the figures are wrong.
    if (scanned < 3 * PLANTED_DISTANCES.length) throw new Error(`the full scan found ${scanned / 3} near hashes, fewer than planted`);
    scans.sort((a, b) => a - b);
    return {
      engine,
      rows: rowCount,
      loadSeconds,
      lookups,
      plantedFound,
      planted: QUERIES * PLANTED_DISTANCES.length,
      scanMedianMs: percentile(scans, 0.5),
      plan: await explain(catalog.db, engine, queries[0] ?? realisticHash(), 10),
    };
  } finally {
    await catalog.close();
  }
}

export async function measureNearDuplicates(rowCount: number, log: (line: string) => void): Promise<NearDuplicateFigures> {
  const figures: NearDuplicateFigures = { engines: [], skipped: [] };
  const dir = await mkdtemp(join(tmpdir(), 'pixelfront-bench-phash-'));
  try {
    figures.engines.push(await measureEngine('sqlite', `sqlite://${join(dir, 'catalog.db')}`, rowCount, log));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const baseUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `pf_bench_phash_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    figures.skipped.push(`postgres: unreachable (${error instanceof Error ? error.message : String(error)})`);
    return figures;
  }
  try {
    await admin.query(`create schema ${schema}`);
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    figures.engines.push(await measureEngine('postgres', url.toString(), rowCount, log));
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await admin.end();
  }
  return figures;
}

export function formatNearDuplicates(figures: NearDuplicateFigures): string {
  const lines = [
    'near-duplicate lookup (one tenant) | rows | maxDistance | lookups | p50 ms | p95 ms | max ms | median candidates | full scan ms',
  ];
  for (const engine of figures.engines) {
    for (const lookup of engine.lookups)
      lines.push(
        `${engine.engine} | ${engine.rows} | ${lookup.maxDistance} | ${lookup.lookups} | ${lookup.p50Ms.toFixed(1)} | ${lookup.p95Ms.toFixed(1)} | ${lookup.maxMs.toFixed(1)} | ${lookup.medianCandidates} | ${engine.scanMedianMs.toFixed(0)}`,
      );
    lines.push(
      `${engine.engine}: planted copies found ${engine.plantedFound}/${engine.planted}; loaded in ${engine.loadSeconds.toFixed(0)} s; plan: ${engine.plan}`,
    );
  }
  for (const skipped of figures.skipped) lines.push(`skipped ${skipped}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? NEAR_DUPLICATE_ROWS);
  const figures = await measureNearDuplicates(rows, (line) => console.error(`bench: ${line}`));
  console.log(formatNearDuplicates(figures));
}
