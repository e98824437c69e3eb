/**
 * `npm run bench:search [-- --images=100000] [--queries=200] [--engines=sqlite,postgres] [--keep]
 * [--reuse-sqlite=URL] [--reuse-postgres=URL]`: the catalog search scenario of issue 15 on both
 * engines, p95 of a tag query, a `q` query and a combined one against the 50 ms target. Writes
 * bench/results/search-<date>.json.
 *
 * PostgreSQL: BENCH_DATABASE_URL (default the test server, postgres://postgres@127.0.0.1:5432/test),
 * in a schema of its own dropped afterwards. SQLite: a file in a temp folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { KyselyCatalog, migrateToLatest, openDatabase } from '../origin/catalog/index.ts';
import { describeMachine } from './machine.ts';
import { repoRoot } from './processes.ts';
import { makeImages, seeded, vocabulary } from './scenarios/catalog-images.ts';
import { loadImages, measureQueries, queryKinds, type QueryFigures } from './scenarios/catalog-search.ts';

const TARGET_MS = 50;

interface EngineRun {
  engine: string;
  images: number;
  otherTenantImages: number;
  loadSeconds: number;
  figures: QueryFigures[];
}

function option(name: string, fallback: string): string {
  const arg = process.argv.slice(2).find((candidate) => candidate.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

async function runEngine(
  engine: 'sqlite' | 'postgres',
  count: number,
  queries: number,
  keep: boolean,
  log: (line: string) => void,
): Promise<EngineRun> {
  const random = seeded(2041);
  const vocab = vocabulary(random);
  const tenant = 'bench-search';
  const images = makeImages(tenant, count, vocab, random);
  // Another tenant shares the tables and indexes, as in any real catalog; it must never show up.
  const others = makeImages('bench-other', Math.round(count / 10), vocab, random);

  let url: string;
  let cleanup: () => Promise<void>;
  // --reuse-sqlite=<url> / --reuse-postgres=<url>: a database a --keep run left, already loaded with the same images.
  const reuse = option(`reuse-${engine}`, '');
  if (reuse !== '') {
    url = reuse;
    cleanup = async () => {};
  } else if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'pixelfront-search-bench-'));
    url = `sqlite://${join(dir, 'catalog.db')}`;
    cleanup = () => rm(dir, { recursive: true, force: true });
  } else {
    const base = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `pf_bench_search_${randomBytes(4).toString('hex')}`;
    const admin = async (text: string) => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    };
    await admin(`create schema ${schema}`);
    const withSchema = new URL(base);
    withSchema.searchParams.set('options', `-c search_path=${schema}`);
    url = withSchema.toString();
    cleanup = () => admin(`drop schema if exists ${schema} cascade`);
  }

  const db = openDatabase(url);
  try {
    await migrateToLatest(db);
    const catalog = new KyselyCatalog(db);
    const concurrency = engine === 'postgres' ? 8 : 1;
    log(`${engine}: inserting ${images.length + others.length} images through Catalog.insertImage (${concurrency} at a time)`);
    const loadSeconds = reuse === '' ? await loadImages(catalog, [...images, ...others], concurrency) : 0;
    log(`${engine}: loaded in ${loadSeconds.toFixed(1)} s`);
    // What autovacuum does after a bulk load on PostgreSQL (statistics, visibility map); SQLite is
    // measured as the origin runs it, with no ANALYZE.
    if (engine === 'postgres') await sql`vacuum analyze`.execute(db);
    const figures = await measureQueries(catalog, tenant, queryKinds(vocab, seeded(7)), queries);
    for (const row of figures) log(`${engine}: ${row.name} p50 ${row.p50} ms p95 ${row.p95} ms max ${row.max} ms (${row.meanItems} items)`);
    return { engine, images: images.length, otherTenantImages: others.length, loadSeconds: Math.round(loadSeconds * 10) / 10, figures };
  } finally {
    await db.destroy();
    if (keep || reuse !== '') log(`${engine}: kept ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`);
    else await cleanup();
  }
}

function table(runs: readonly EngineRun[]): string {
  const lines = ['| engine | query | what | p50 ms | p95 ms | max ms | items/page |', '|---|---|---|--:|--:|--:|--:|'];
  for (const run of runs)
    for (const row of run.figures)
      lines.push(`| ${run.engine} | ${row.name} | ${row.what} | ${row.p50} | ${row.p95} | ${row.max} | ${row.meanItems} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const count = Number(option('images', '100000'));
  const queries = Number(option('queries', '200'));
  const engines = option('engines', 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
  const machine = describeMachine();
  const log = (line: string) => console.error(`bench:search: ${line}`);
  const runs: EngineRun[] = [];
  // --keep leaves the databases behind to look at query plans (drop the schema or folder by hand).
  const keep = process.argv.includes('--keep');
  for (const engine of engines) runs.push(await runEngine(engine, count, queries, keep, log));
  const targets = runs.flatMap((run) =>
    run.figures
      .filter((row) => row.target)
      .map((row) => ({ engine: run.engine, query: row.name, p95: row.p95, pass: row.p95 < TARGET_MS })),
  );
  console.log(
    `\ncatalog search, ${count} images of one tenant (+${Math.round(count / 10)} of another), pages of 100, ${queries} queries each`,
  );
  console.log(`${machine.nproc} cores ${machine.cpu}, node ${machine.node}, load average ${machine.loadAverage.join(' ')}\n`);
  console.log(table(runs));
  console.log('');
  for (const target of targets)
    console.log(`${target.pass ? 'PASS' : 'FAIL'} ${target.engine} ${target.query}: p95 ${target.p95} ms (target < ${TARGET_MS} ms)`);
  const date = new Date().toISOString();
  const file = join(repoRoot, 'bench/results', `search-${date.replace(/[:.]/g, '-')}.json`);
  await mkdir(join(repoRoot, 'bench/results'), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ date, machine: { ...machine, loadAverageAfter: describeMachine().loadAverage }, count, queries, runs, targets }, null, 2)}\n`,
  );
  console.log(`results: ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
