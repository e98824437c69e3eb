import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

/**
 * No module imports one that (through others) imports it back, type-only imports included: a
 * cycle means two modules own one fact, the way `Services` and its builders, or the migration list
 * and the migrations, once did. Imports are read with TypeScript's own pre-processor.
 */
const roots = ['core', 'origin', 'edge', 'worker-pool', 'cli', 'console/src', 'bench', 'scripts', 'test'];

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the files along it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'open') found.push(path.slice(path.indexOf(target)));
      else if (state.get(target) === undefined) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

describe('import graph', () => {
  it('has no cycles', () => {
    const files = roots.flatMap((root) => sourceFiles(join(repoRoot, root)));
    expect(files.length).toBeGreaterThan(200);
    const graph = importGraph(files);
    const named = cycles(graph).map((cycle) => cycle.map((file) => relative(repoRoot, file)).join(' → '));
    expect(named).toEqual([]);
  });

  it('finds a cycle, type-only imports included', () => {
    const a = resolve(repoRoot, 'a.ts');
    const b = resolve(repoRoot, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([[a, b]]);
    const { importedFiles } = ts.preProcessFile("import type { X } from './b.ts';\nexport { Y } from './c.ts';", true, true);
    expect(importedFiles.map((file) => file.fileName)).toEqual(['./b.ts', './c.ts']);
  });
});

/**
 * The arrows issue 13 turned around, kept that way: shared facts sit where every user can import
 * them without reaching into a sibling's internals. Paths are relative to the repository.
 */
describe('import arrows', () => {
  const files = roots.flatMap((root) => sourceFiles(join(repoRoot, root)));
  const edges = [...importGraph(files)].flatMap(([file, targets]) =>
    targets.map((target) => ({ from: relative(repoRoot, file), to: relative(repoRoot, target) })),
  );
  const isTestSupport = (path: string) => /\.(test|contract)\.ts$/.test(path) || path.startsWith('test/') || path.includes('/testing/');
  const from = (folder: string) => edges.filter((edge) => edge.from.startsWith(folder) && !isTestSupport(edge.from));
  const named = (list: { from: string; to: string }[]) => list.map((edge) => `${edge.from} → ${edge.to}`);

  it('core/ imports nothing outside core/', () => {
    expect(named(edges.filter((edge) => edge.from.startsWith('core/') && !edge.to.startsWith('core/')))).toEqual([]);
  });

  it('no shipped source file imports test support (the bench and scripts may)', () => {
    const shipped = ['core/', 'origin/', 'edge/', 'worker-pool/', 'cli/', 'console/src/'];
    const sources = edges.filter((edge) => shipped.some((root) => edge.from.startsWith(root)) && !isTestSupport(edge.from));
    expect(named(sources.filter((edge) => isTestSupport(edge.to)))).toEqual([]);
  });

  it('delivery/ and transform/ take keys from storage/layout.ts, not ingest/ (only the shared SVG sanitiser)', () => {
    const intoIngest = [...from('origin/delivery/'), ...from('origin/transform/')].filter((edge) => edge.to.startsWith('origin/ingest/'));
    expect(named(intoIngest.filter((edge) => !edge.to.startsWith('origin/ingest/svg/')))).toEqual([]);
  });

  it('batches/ plan through transform/, not delivery/', () => {
    expect(named(from('origin/batches/').filter((edge) => edge.to.startsWith('origin/delivery/')))).toEqual([]);
  });

  it('tests beside origin modules do not start a whole origin (those live in test/)', () => {
    const beside = edges.filter((edge) => edge.from.startsWith('origin/') && edge.from.endsWith('.test.ts'));
    expect(named(beside.filter((edge) => edge.to === 'test/helpers/origin.ts'))).toEqual([]);
  });
});
