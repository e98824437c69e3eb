import { isBuiltin } from 'node:module';
import { build } from 'esbuild';

/**
 * What building and running Dockerfile.origin depends on, read from the repository, so that
 * test/dockerfile.test.ts checks it in a second (test/container.test.ts builds it, in minutes).
 */

export interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions per build stage (split at FROM), continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM' || stages.length === 0) stages.push([]);
    stages[stages.length - 1]?.push(instruction);
  }
  return stages;
}

/** Sources of the stage's COPY instructions that take files from the build context (not --from). */
export function copiedFromContext(stage: readonly Instruction[]): string[] {
  return stage
    .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.startsWith('--from'))
    .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1))
    .map((source) => source.replace(/^\.\//, '').replace(/\/$/, ''));
}

/** ENV key=value pairs of a stage. */
export function envOf(stage: readonly Instruction[]): Record<string, string> {
  const pairs = stage.filter((instruction) => instruction.keyword === 'ENV').flatMap((instruction) => instruction.args.split(/\s+/));
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** A .dockerignore pattern as a RegExp over context paths; a pattern that names a folder covers all below it. */
export function ignorePattern(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]')
    .replace(/\u0000/g, '(?:.*/)?');
  return new RegExp(`^${source}(?:/.*)?$`);
}

/** Whether a file of the build context ends up in the image: under one of the copied sources and not ignored. */
export function inImage(file: string, copied: readonly string[], ignored: readonly RegExp[]): boolean {
  const copiedHere = copied.some((source) => file === source || file.startsWith(`${source}/`));
  return copiedHere && !ignored.some((pattern) => pattern.test(file));
}

/**
 * Every file of the repository an entry point imports at run time (type-only imports excluded),
 * and the packages it imports, as esbuild's bundler resolves them.
 */
export async function importClosure(entry: string, root: string): Promise<{ files: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const inputs = Object.entries(result.metafile.inputs);
  const packages = new Set<string>();
  for (const [, input] of inputs) {
    for (const imported of input.imports) {
      if (!imported.external || isBuiltin(imported.path)) continue;
      const [scopeOrName = '', name] = imported.path.split('/');
      packages.add(scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName);
    }
  }
  return { files: inputs.map(([file]) => file).sort(), packages: [...packages].sort() };
}
