import { fail } from '../../core/errors.ts';
import type { ImageRecord } from './types.ts';

/**
 * What `GET /v1/images?q=` searches, tokenised here once for both engines (SPEC section 8: the same
 * tokens, no stemming, so SQLite and PostgreSQL agree). A word is a run of Unicode letters and
 * digits, lower-cased and with accents removed; everything else separates words, so the filename
 * `IMG_2041.jpg` is the words `img 2041 jpg`. The catalog stores the words space-separated
 * (images.search_text) and the engines index that text without parsing it again: SQLite's FTS5
 * `ascii` tokenizer splits only at ASCII non-alphanumerics (spaces, here) and PostgreSQL reads the
 * text as a tsvector literal, so neither applies its own word rules, case folding or stemming.
 */

/** Longer words are cut: PostgreSQL refuses lexemes over 2 KiB, and nobody searches by 100 characters. */
export const MAX_WORD_CHARS = 100;
export const MAX_QUERY_WORDS = 16;
export const MAX_QUERY_CHARS = 256;

/** The words of `text`, in order, repeats kept. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
    .map((word) => Array.from(word).slice(0, MAX_WORD_CHARS).join(''));
}

type Searchable = Pick<ImageRecord, 'filename' | 'title' | 'alt' | 'iptc'>;

/** The searchable words of an image: filename, title, alt, IPTC caption and keywords; each once. */
export function searchText(image: Searchable): string {
  const fields = [image.filename, image.title, image.alt, image.iptc?.caption, ...(image.iptc?.keywords ?? [])];
  return [...new Set(fields.flatMap((field) => (field ? words(field) : [])))].join(' ');
}

/**
 * The words of a `q`: every one must match, each as the start of a word (`harb` finds `harbour`,
 * `IMG_20` finds `IMG_2041.jpg`). 400 invalid_request when there is nothing to search for.
 */
export function queryWords(q: string): string[] {
  if (q.length > MAX_QUERY_CHARS) throw fail('invalid_request', `q: must be at most ${MAX_QUERY_CHARS} characters`);
  const found = [...new Set(words(q))];
  if (found.length === 0) throw fail('invalid_request', 'q: must contain at least one letter or digit');
  if (found.length > MAX_QUERY_WORDS) throw fail('invalid_request', `q: must have at most ${MAX_QUERY_WORDS} words`);
  return found;
}

/** FTS5 MATCH text: each word quoted (so no word is an operator) and a prefix. */
export function fts5Match(queryWords: readonly string[]): string {
  return queryWords.map((word) => `"${word}"*`).join(' AND ');
}

/** A tsquery literal: each word quoted and a prefix (`:*`). Words hold no quotes or backslashes. */
export function tsqueryText(queryWords: readonly string[]): string {
  return queryWords.map((word) => `'${word}':*`).join(' & ');
}
