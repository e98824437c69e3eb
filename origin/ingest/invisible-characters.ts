/**
 * Characters a file name must not carry into JSON, a ZIP entry or a console: C0 and C1 controls,
 * the bidirectional formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE turns `gpj.exe` into
 * what reads as `exe.jpg`; the embeddings, isolates and marks do the same in smaller ways) and the
 * line and paragraph separators. Zero-width joiners stay: emoji sequences need them.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

export function hasInvisibleCharacters(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(text);
}

/** The text with every such character removed. */
export function stripInvisibleCharacters(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** The text with every such character replaced (ZIP entry names keep their length and position). */
export function replaceInvisibleCharacters(text: string, replacement: string): string {
  return text.replace(INVISIBLE, replacement);
}
