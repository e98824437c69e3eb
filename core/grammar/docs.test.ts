import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../errors.ts';
import { builtInPresets } from '../presets.ts';
import { canonicalImagePath, signPath } from '../signing.ts';
import { canonicalize } from './canonical.ts';
import { opsDocsTable } from './docs.ts';

async function grammarSection(): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const match = /<!-- section:grammar -->([\s\S]*?)<!-- \/section:grammar -->/.exec(readme);
  return match?.[1] ?? '';
}

const context = { presets: builtInPresets, maxOutputDimension: 8192 };

describe('README grammar section', () => {
  it('holds the op table generated from the registry', async () => {
    const section = await grammarSection();
    const lines = section.split('\n');
    const start = lines.findIndex((line) => line.startsWith('| key | value |'));
    const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
    const written = lines.slice(start, end === -1 ? undefined : end).join('\n');
    const expected = opsDocsTable();
    if (written !== expected) console.warn(`README grammar table is out of date; paste this between the grammar markers:\n\n${expected}\n`);
    expect(written).toBe(expected);
  });

  it('lists the built-in presets with their canonical ops', async () => {
    const section = await grammarSection();
    for (const [name, ops] of builtInPresets) {
      expect(section).toContain(`| \`${name}\` | \`${canonicalize(ops, context).canonical}\` |`);
    }
  });

  it('has a canonical-form example and a signing example that are true', async () => {
    const section = await grammarSection();
    expect(canonicalize('f_jpg,dpr_2,t_thumb,e_sharpen,e_blur:1.50', context).canonical).toBe(
      'c_fill,w_400,h_400,e_blur:1.5,e_sharpen,f_jpeg',
    );
    expect(section).toContain('`f_jpg,dpr_2,t_thumb,e_sharpen,e_blur:1.50`\nis `c_fill,w_400,h_400,e_blur:1.5,e_sharpen,f_jpeg`');
    const path = canonicalImagePath('Xb3kP9qLmN2vR7tY', canonicalize('w_400,h_300,c_fill,g_center', context).canonical);
    expect(section).toContain(`P                 ${path}\n`);
    expect(section).toContain(`sig               ${await signPath(path, 's3cret-key')}\n`);
    expect(section).toContain(`${path}?exp=1893456000&sig=${await signPath(path, 's3cret-key', 1893456000)}`);
  });

  it('says of each c mode what the grammar does with ar alone and with g (issue 14 item 12)', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const refused = (ops: string) => {
      try {
        canonicalize(ops, context);
        return false;
      } catch (error) {
        if (isPixelfrontError(error) && error.code === 'invalid_transform') return true;
        throw error;
      }
    };
    for (const mode of ['fit', 'fill', 'pad', 'scale', 'crop']) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${mode}\``)) ?? '';
      expect(row, `the c modes table has a ${mode} row`).not.toBe('');
      if (row.includes('`ar` alone is 400')) expect(refused(`c_${mode},ar_16:9`), row).toBe(true);
      if (row.includes('`ar` alone:')) expect(refused(`c_${mode},ar_16:9`), row).toBe(false);
      if (row.includes('`g` with `c_crop` is 400')) expect(refused('c_crop,w_10,h_10,g_north'), row).toBe(true);
    }
    expect(readme).toContain('`c_scale,w_100,ar_2:1` is 100×50');
    expect(canonicalize('c_scale,w_100,ar_2:1', context).canonical).toBe('c_scale,w_100,h_50');
  });
});
