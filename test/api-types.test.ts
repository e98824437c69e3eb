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
