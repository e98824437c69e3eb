import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/origin.ts';

/**
 * Every link in the Markdown documents to a file of the repository, or to a section of one,
 * leads somewhere: sections move (the Benchmarks went to bench/README.md) and files are renamed.
 * A section's anchor is its heading as GitHub spells it (lower case, punctuation dropped,
 * spaces to hyphens, `-1`, `-2` for repeats), or an `<a id>` placed in the text.
 */
const documents = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text outside code blocks, where a `#` line is a shell comment and `](` is code. */
const prose = (path: string) => readFileSync(join(repoRoot, path), 'utf8').replace(/^```[\s\S]*?^```/gm, '');

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const repeats = new Map<string, number>();
  for (const [, heading = ''] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const seen = repeats.get(slug) ?? 0;
    repeats.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  for (const [, id = ''] of markdown.matchAll(/<a id="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** Links that are not URLs: `[text](path)`, `[text](path#anchor)` or `[text](#anchor)`. */
function localLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target = '']) => target).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('links in the documents', () => {
  it('spells anchors as GitHub does', () => {
    const anchors = anchorsOf(
      '## Client hints (`w_auto`, `dpr_auto`)\n### HEIC / HEIF input\n## Notes\n## Notes\n<a id="robustness-tests"></a>',
    );
    expect([...anchors]).toEqual(['client-hints-w_auto-dpr_auto', 'heic--heif-input', 'notes', 'notes-1', 'robustness-tests']);
  });

  for (const document of documents) {
    it(`${document}: every local link leads to a file, and its anchor to a section there`, () => {
      const broken = localLinks(prose(document)).filter((target) => {
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? document : relative(repoRoot, resolve(dirname(join(repoRoot, document)), path));
        if (!existsSync(join(repoRoot, file))) return true;
        return anchor !== undefined && !anchorsOf(prose(file)).has(anchor);
      });
      expect(broken).toEqual([]);
    });
  }
});
