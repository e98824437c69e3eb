/**
 * The text layer of XML documents (SVG): decoding bytes by their BOM or declared encoding, and
 * finding where the root element starts after the prolog. Shared by the sniffer, which sees
 * only the head of a file, and the SVG sanitiser, which sees all of it.
 */

const latin1Names = new Set(['iso-8859-1', 'latin1', 'latin-1', 'windows-1252', 'us-ascii', 'ascii']);

/**
 * Decodes XML bytes to text: UTF-16 by BOM, Latin-1 when the XML declaration says so, UTF-8
 * otherwise. Never throws; malformed sequences become U+FFFD.
 */
export function decodeXmlText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  // The declaration is ASCII in every encoding we accept, so peeking at it as Latin-1 is safe.
  const declaration = /^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(new TextDecoder('latin1').decode(bytes.subarray(0, 200)));
  const declared = declaration?.[1]?.toLowerCase();
  if (declared !== undefined && latin1Names.has(declared)) return new TextDecoder('latin1').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

export interface XmlProlog {
  /** Index of the `<` that opens the root element. */
  rootStart: number;
  /** The root element's qualified name. */
  rootName: string;
}

const nameStart = /[A-Za-z_:\u00c0-\uffff]/;
const rootNamePattern = /^<([A-Za-z_:\u00c0-\uffff][\w.:\u00b7\u00c0-\uffff-]*)/;

/**
 * Skips the prolog (whitespace, XML declaration, processing instructions, comments, one
 * DOCTYPE with an internal subset) and returns where the root element starts. Returns null
 * when the text ends inside the prolog or anything else comes before the root (not XML, or
 * not enough of it to tell).
 */
export function scanProlog(text: string): XmlProlog | null {
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      index += 1;
    } else if (text.startsWith('<?', index)) {
      const end = text.indexOf('?>', index + 2);
      if (end < 0) return null;
      index = end + 2;
    } else if (text.startsWith('<!--', index)) {
      const end = text.indexOf('-->', index + 4);
      if (end < 0) return null;
      index = end + 3;
    } else if (text.slice(index, index + 9).toUpperCase() === '<!DOCTYPE') {
      const end = doctypeEnd(text, index + 9);
      if (end < 0) return null;
      index = end;
    } else if (char === '<' && nameStart.test(text[index + 1] ?? '')) {
      const name = rootNamePattern.exec(text.slice(index, index + 256))?.[1];
      return name === undefined ? null : { rootStart: index, rootName: name };
    } else {
      return null;
    }
  }
  return null;
}

/** Index just after the `>` closing a DOCTYPE, honouring quotes, comments and `[…]`; -1 if none. */
function doctypeEnd(text: string, from: number): number {
  let inSubset = false;
  let index = from;
  while (index < text.length) {
    const char = text[index];
    if (char === '"' || char === "'") {
      const close = text.indexOf(char, index + 1);
      if (close < 0) return -1;
      index = close + 1;
      continue;
    }
    if (inSubset && text.startsWith('<!--', index)) {
      const close = text.indexOf('-->', index + 4);
      if (close < 0) return -1;
      index = close + 3;
      continue;
    }
    if (char === '[') inSubset = true;
    else if (char === ']') inSubset = false;
    else if (char === '>' && !inSubset) return index + 1;
    index += 1;
  }
  return -1;
}

/** Whether the root element is an SVG root (`<svg …>`, no namespace prefix). */
export function isSvgRoot(prolog: XmlProlog | null): boolean {
  return prolog?.rootName === 'svg';
}
