import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiTypesFile, apiTypesSource } from '../scripts/generate-api-types.ts';

/** The committed client types (core/api-types.ts) are what the OpenAPI document generates now. */
describe('core/api-types.ts', () => {
  it('is up to date with the OpenAPI document (else run npm run api:types)', async () => {
    const committed = await readFile(apiTypesFile, 'utf8');
    const generated = await apiTypesSource();
    expect(committed === generated, 'core/api-types.ts is out of date: run npm run api:types and commit it').toBe(true);
  });

  it('types the request and response bodies from the zod schemas', async () => {
    const source = await readFile(apiTypesFile, 'utf8');
    expect(source).toContain("'/v1/images/{id}': {");
    expect(source).toMatch(/ImageObject: \{[\s\S]*?hasAlpha: boolean;/);
    expect(source).toContain("'image/*': Blob;");
  });
});

describe('the API clients', () => {
  const sources = async (dir: string, pattern: RegExp) => {
    const { readdir } = await import('node:fs/promises');
    const entries = await readdir(new URL(`../${dir}`, import.meta.url), { recursive: true });
    return Promise.all(
      entries
        .filter((name) => pattern.test(name) && !name.includes('.test.'))
        .map(async (name) => ({ name: `${dir}/${name}`, text: await readFile(new URL(`../${dir}/${name}`, import.meta.url), 'utf8') })),
    );
  };

  it('of the CLI and the console call the API only through the typed client', async () => {
    const files = [...(await sources('cli', /\.ts$/)), ...(await sources('console/src', /\.tsx?$/))];
    expect(files.length).toBeGreaterThan(5);
    const handWritten = files
      .filter(({ text }) => /(?<![\w.])fetch\(|import [^;]*\brequest\b[^;]* from 'undici'|XMLHttpRequest/.test(text))
      .map(({ name }) => name);
    // The uploader's byte sender is the one exception: fetch reports no upload progress, so file
    // bytes go through XMLHttpRequest there (console/src/upload/send-bytes.ts), and only there.
    expect(handWritten).toEqual(['console/src/upload/send-bytes.ts']);
    const sender = files.find(({ name }) => name === 'console/src/upload/send-bytes.ts')?.text ?? '';
    expect(sender).not.toMatch(/(?<![\w.])fetch\(/);
    const typed = files.filter(
      ({ text }) => text.includes("from '../core/api-types.ts'") || text.includes("from '../../core/api-types.ts'"),
    );
    expect(typed.map(({ name }) => name).sort()).toEqual(['cli/api-client.ts', 'console/src/api.ts', 'console/src/types.ts']);
  });
});
