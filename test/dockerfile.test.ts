/**
 * What building and running Dockerfile.origin depends on, checked against the code in a second
 * (test/container.test.ts builds and runs the image, which takes minutes): every file the origin
 * and the worker import is copied into the build stage and not left out by .dockerignore, test
 * support and benchmarks are, the image takes the compiled dist/ from there, every package they
 * import is installed by `npm ci --omit=dev`, and the image starts the origin as `npm start` does.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  copiedFromContext,
  envOf,
  ignorePattern,
  importClosure,
  inImage,
  parseDockerfile,
  type Instruction,
} from './helpers/dockerfile.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The allocator and runtime settings every pixelfront process starts through (README, Memory). */
const settingsScript = 'scripts/process-env.sh';
const run = promisify(execFile);
const entries = { origin: 'origin/main.ts', worker: 'worker-pool/main.ts' } as const;

interface Manifest {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
}

/** Where `npm run build` (tsconfig.build.json) puts an entry point. */
const compiled = (entry: string) => `dist/${entry.replace(/\.ts$/, '.js')}`;

/** Packages that `npm ci --omit=dev` would not install. */
const notInstalled = (packages: string[], dependencies: Record<string, string>) => packages.filter((pkg) => !(pkg in dependencies));

let stages: Instruction[][];
let build: Instruction[];
let image: Instruction[];
let ignored: RegExp[];
let manifest: Manifest;
let closures: Record<keyof typeof entries, { files: string[]; packages: string[] }>;

beforeAll(async () => {
  stages = parseDockerfile(await readFile(`${root}/Dockerfile.origin`, 'utf8'));
  image = stages.at(-1) ?? [];
  build = stages.find((stage) => /\bAS build$/i.test(stage[0]?.args ?? '')) ?? [];
  ignored = (await readFile(`${root}/.dockerignore`, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map(ignorePattern);
  manifest = JSON.parse(await readFile(`${root}/package.json`, 'utf8')) as Manifest;
  closures = { origin: await importClosure(entries.origin, root), worker: await importClosure(entries.worker, root) };
});

describe('Dockerfile.origin', () => {
  it.each(Object.keys(entries) as Array<keyof typeof entries>)(
    'compiles every file the %s imports, none of them left out by .dockerignore',
    (name) => {
      const { files } = closures[name];
      expect(files).toContain(entries[name]);
      expect(files.length).toBeGreaterThan(20);
      const copied = copiedFromContext(build);
      expect(files.filter((file) => !inImage(file, copied, ignored))).toEqual([]);
      expect(build.at(-1)?.args).toBe('npx tsc -p tsconfig.build.json');
      expect(image.find((instruction) => instruction.keyword === 'COPY' && instruction.args.startsWith('--from=build'))?.args).toBe(
        '--from=build /app/dist ./dist',
      );
    },
  );

  it.each(Object.keys(entries) as Array<keyof typeof entries>)(
    'installs every package the %s imports as a production dependency',
    (name) => {
      const { packages } = closures[name];
      expect(packages).toEqual(expect.arrayContaining(['hono', 'sharp', 'zod']));
      expect(notInstalled(packages, manifest.dependencies)).toEqual([]);
    },
  );

  it('installs with npm ci --omit=dev from the lock file, in a stage of its own', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const install = stages[0] ?? [];
    expect(copiedFromContext(install)).toEqual(['package.json', 'package-lock.json']);
    expect(install.find((instruction) => instruction.keyword === 'RUN')?.args).toMatch(
      /^npm ci --omit=dev --ignore-scripts\b.*&& npm rebuild$/,
    );
    expect(image.find((instruction) => instruction.keyword === 'COPY' && instruction.args.startsWith('--from'))?.args).toMatch(
      /node_modules/,
    );
  });

  it('leaves test support and benchmarks out of every stage (.dockerignore)', async () => {
    const copied = stages.flatMap(copiedFromContext);
    const { stdout } = await run('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const files = stdout.split('\n').filter(Boolean);
    // Test support: tests, the storage/catalog/queue contract suites, property-test generators.
    const support = files.filter((file) => /(^|\/)(test|bench|testing)\/|\.(test|contract)\.tsx?$/.test(file));
    expect(support.filter((file) => copied.some((source) => file.startsWith(`${source}/`))).length).toBeGreaterThan(5);
    expect(support.filter((file) => inImage(file, copied, ignored))).toEqual([]);
  });

  it('starts the origin as npm start does, listening beyond the container, on a data volume', async () => {
    const env = envOf(image);
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '8080', DATA_DIR: '/data' });
    // The memory settings come from the same script as `npm start`'s, with jemalloc installed for it.
    const json = (keyword: string) => JSON.parse(image.find((instruction) => instruction.keyword === keyword)?.args ?? '[]') as string[];
    expect(json('ENTRYPOINT')).toEqual(['sh', settingsScript]);
    expect(json('CMD')).toEqual(['node', compiled(entries.origin)]);
    expect(image.some((instruction) => instruction.keyword === 'COPY' && instruction.args === `${settingsScript} ./scripts/`)).toBe(true);
    expect(image.some((instruction) => instruction.keyword === 'RUN' && /apt-get install .*\blibjemalloc2\b/.test(instruction.args))).toBe(
      true,
    );
    // `exec`, and the script's own `exec`: npm's sh is replaced by node, so a SIGTERM to `npm start` reaches the server.
    expect(manifest.scripts['start']).toBe(`exec sh ${settingsScript} node ${compiled(entries.origin)}`);
    expect(manifest.scripts['worker']).toBe(`exec sh ${settingsScript} node ${compiled(entries.worker)}`);
    expect(await readFile(`${root}/${settingsScript}`, 'utf8')).toMatch(/^exec "\$@"$/m);
    expect(image.find((instruction) => instruction.keyword === 'USER')?.args).toBe('node');
  });

  it('the checks find a folder the image does not copy, an ignored file and a package not installed', () => {
    const withoutCore = copiedFromContext(build).filter((source) => source !== 'core');
    expect(closures.origin.files.filter((file) => !inImage(file, withoutCore, ignored)).every((file) => file.startsWith('core/'))).toBe(
      true,
    );
    expect(closures.origin.files.some((file) => !inImage(file, withoutCore, ignored))).toBe(true);
    expect(inImage('origin/config.test.ts', ['origin'], ignored)).toBe(false);
    expect(inImage('origin/config.ts', ['origin'], [ignorePattern('origin')])).toBe(false);
    expect(inImage('origin/config.ts', ['origin'], ignored)).toBe(true);
    const { sharp: _sharp, ...withoutSharp } = manifest.dependencies;
    expect(notInstalled(closures.origin.packages, withoutSharp)).toEqual(['sharp']);
  });
});
