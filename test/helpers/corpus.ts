import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared image corpus lives beside the repo (../shared/corpus); CI always has it. */
export const corpusDir = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
export const hasCorpus = existsSync(`${corpusDir}manifest.json`);

export interface CorpusEntry {
  file: string;
  format: string;
  width: number | null;
  height: number | null;
  pages: number | null;
  has_alpha: boolean;
  orientation: number | null;
  display_size?: [number, number];
  category: 'valid' | 'edge' | 'malformed' | 'bomb';
  expect: 'ok' | 'reject';
  requires?: string[];
  note: string;
}

export function corpusManifest(): CorpusEntry[] {
  if (!hasCorpus) {
    console.warn(`NOTICE: image corpus not found at ${corpusDir}; corpus tests are skipped`);
    return [];
  }
  return JSON.parse(readFileSync(`${corpusDir}manifest.json`, 'utf8')) as CorpusEntry[];
}

export const corpusPath = (entry: CorpusEntry) => `${corpusDir}${entry.file}`;
