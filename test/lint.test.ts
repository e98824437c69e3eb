import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

/**
 * The lint rules the project relies on, checked with the repository's own eslint.config.js on a
 * small file in a folder of its own (its tsconfig extends the root one), so the type-aware rules
 * run without building the whole program.
 */
const fixture = `
type Effect = { name: 'blur'; sigma: number } | { name: 'grayscale' } | { name: 'sharpen' };

export function missingCase(effect: Effect): number {
  switch (effect.name) {
    case 'blur':
      return effect.sigma;
    case 'grayscale':
      return 0;
  }
  return -1;
}

export function defaultHidesCase(effect: Effect): number {
  switch (effect.name) {
    case 'blur':
      return effect.sigma;
    default:
      return 0;
  }
}

export function exhaustive(effect: Effect): number {
  switch (effect.name) {
    case 'blur':
      return effect.sigma;
    case 'grayscale':
    case 'sharpen':
      return 0;
  }
}

async function later(): Promise<number> {
  return 1;
}

export function floating(): void {
  later();
}

export function handled(): void {
  void later();
}

// ${'A comment Prettier leaves as it is, however long: '.padEnd(150, 'x')}
export const longString = '${'A string may be long, since breaking it would change it: '.padEnd(150, 'y')}';
`;

describe('eslint.config.js', () => {
  let dir = '';
  let messages: { line: number; ruleId: string | null }[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-lint-'));
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(repoRoot, 'tsconfig.json'), include: ['fixture.ts'] }));
    await writeFile(join(dir, 'fixture.ts'), fixture);
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: join(repoRoot, 'eslint.config.js') });
    const [result] = await eslint.lintFiles([join(dir, 'fixture.ts')]);
    messages = (result?.messages ?? []).map(({ line, ruleId }) => ({ line, ruleId }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const lineOf = (text: string) => fixture.split('\n').findIndex((line) => line.includes(text)) + 1;
  const rulesAt = (text: string) => messages.filter((message) => message.line === lineOf(text)).map((message) => message.ruleId);

  it('reports a switch over a union that misses a member, with or without a default', () => {
    expect(
      messages.filter((message) => message.ruleId === '@typescript-eslint/switch-exhaustiveness-check').map((message) => message.line),
    ).toEqual([lineOf('function missingCase') + 1, lineOf('function defaultHidesCase') + 1]);
  });

  it('reports a floating promise and accepts one marked with void', () => {
    expect(rulesAt('  later();')).toEqual(['@typescript-eslint/no-floating-promises']);
    expect(rulesAt('void later();')).toEqual([]);
  });

  it('reports a comment line over 140 columns, not a long string', () => {
    expect(rulesAt('A comment Prettier leaves')).toEqual(['max-len']);
    expect(rulesAt('A string may be long')).toEqual([]);
  });

  it('reports nothing else in the fixture', () => {
    const expected = new Set(['@typescript-eslint/switch-exhaustiveness-check', '@typescript-eslint/no-floating-promises', 'max-len']);
    expect(messages.filter((message) => !expected.has(message.ruleId ?? ''))).toEqual([]);
  });
});
