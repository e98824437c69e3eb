import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPresets } from '../core/presets.ts';
import { loadPresets } from './presets-file.ts';

describe('loadPresets', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pixelfront-presets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the built-ins without a file', async () => {
    expect(await loadPresets()).toBe(builtInPresets);
  });

  it('replaces the built-ins with the file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify({ banner: 'c_fill,w_1200,h_300' }));
    expect([...(await loadPresets(path))]).toEqual([['banner', 'c_fill,w_1200,h_300']]);
  });

  it('fails start-up with one line naming the file and the problem', async () => {
    const cases: [name: string, body: string | undefined, message: string][] = [
      ['missing.json', undefined, 'cannot read (ENOENT)'],
      ['broken.json', '{ "a": ', 'not valid JSON'],
      ['bad.json', JSON.stringify({ a: 'w_0' }), 'preset "a": w_0: width must be an integer 1…8192'],
    ];
    for (const [name, body, message] of cases) {
      const path = join(dir, name);
      if (body !== undefined) await writeFile(path, body);
      const error = await loadPresets(path).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`PRESETS_FILE ${path}: `);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
