/**
 * What a sanitised SVG may contain: the drawing elements of SVG 1.1/2 (no script, no
 * foreignObject, no fonts or colour profiles fetched by URL), attributes other than event
 * handlers and foreign namespaces, and references only to fragments of the same document or to
 * inline raster images. CSS (the `style` attribute and `<style>` text) goes through the same
 * reference policy.
 */

export const allowedElements: ReadonlySet<string> = new Set([
  'svg',
  'g',
  'defs',
  'symbol',
  'use',
  'image',
  'switch',
  'title',
  'desc',
  'view',
  'style',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'textPath',
  'linearGradient',
  'radialGradient',
  'stop',
  'pattern',
  'clipPath',
  'mask',
  'marker',
  'filter',
  'feBlend',
  'feColorMatrix',
  'feComponentTransfer',
  'feComposite',
  'feConvolveMatrix',
  'feDiffuseLighting',
  'feDisplacementMap',
  'feDistantLight',
  'feDropShadow',
  'feFlood',
  'feFuncA',
  'feFuncB',
  'feFuncG',
  'feFuncR',
  'feGaussianBlur',
  'feImage',
  'feMerge',
  'feMergeNode',
  'feMorphology',
  'feOffset',
  'fePointLight',
  'feSpecularLighting',
  'feSpotLight',
  'feTile',
  'feTurbulence',
  'animate',
  'animateMotion',
  'animateTransform',
  'animateColor',
  'set',
  'mpath',
]);

/** `<a>` keeps its drawing but loses the link: it becomes a `<g>`. */
export const renamedElements: ReadonlyMap<string, string> = new Map([['a', 'g']]);

/** Elements that mean nothing once their reference is removed. */
export const elementsNeedingReference: ReadonlySet<string> = new Set(['use', 'image', 'feImage', 'mpath']);

export const animationElements: ReadonlySet<string> = new Set(['animate', 'animateMotion', 'animateTransform', 'animateColor', 'set']);

/** Namespaced attributes that are kept; every other `prefix:name` (and `xml:base`) goes. */
const allowedPrefixedAttributes: ReadonlySet<string> = new Set(['xlink:href', 'xml:space', 'xml:lang', 'xml:id']);

const referenceAttributes: ReadonlySet<string> = new Set(['href', 'xlink:href', 'src']);

export type AttributeVerdict = { keep: false } | { keep: true; value: string };

/** The sanitised value of one attribute, or that it must go. */
export function sanitizeAttribute(name: string, value: string): AttributeVerdict {
  const lower = name.toLowerCase();
  if (lower.startsWith('on')) return { keep: false };
  if (lower === 'xmlns' || lower.startsWith('xmlns:')) return { keep: false }; // the root gets its own
  if (name.includes(':') && !allowedPrefixedAttributes.has(name)) return { keep: false };
  if (referenceAttributes.has(name)) return isAllowedReference(value) ? { keep: true, value } : { keep: false };
  if (lower === 'style') return { keep: true, value: sanitizeCss(value) };
  if (/url\s*\(/i.test(value) || value.includes('\\')) return { keep: true, value: sanitizeCss(value) };
  return { keep: true, value };
}

/** Animations may not retarget links, handlers or styles (e.g. `<set attributeName="href" to="javascript:…">`). */
export function isAllowedAnimationTarget(attributeName: string | undefined): boolean {
  if (attributeName === undefined) return true;
  const lower = attributeName.trim().toLowerCase();
  return !(lower.startsWith('on') || lower === 'href' || lower.endsWith(':href') || lower === 'src' || lower === 'style');
}

const inlineImage = /^data:image\/(png|jpeg|jpg|gif|webp)(;[a-z0-9_.+=-]+)*,/i;

/**
 * Only `#fragment` references and inline PNG/JPEG/GIF/WebP data URIs are allowed: nothing that
 * fetches, reads a file or holds markup (http:, file:, relative paths, javascript:,
 * data:text/html, data:image/svg+xml).
 */
export function isAllowedReference(value: string): boolean {
  // Browsers ignore whitespace and control characters inside schemes ("java\tscript:").
  const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (compact.startsWith('#')) return compact.length > 1;
  return inlineImage.test(compact);
}

const urlToken = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)/gi;
/** CSS functions that take a URL as a plain string, and legacy script hooks. */
const stringUrlFunctions = /(-webkit-image-set|image-set|cross-fade|element|image|src|expression|paint)\s*\(/gi;

/**
 * Removes every way CSS can reach outside the document: `@import`, `url()` to anything but a
 * fragment or inline raster image (replaced by `none`), string-URL functions, and the legacy
 * `behavior`/`-moz-binding` hooks. Escapes are decoded first so `u\72l(` cannot hide a URL.
 */
export function sanitizeCss(css: string): string {
  let text = css.replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ');
  text = decodeCssEscapes(text);
  text = text.replace(/@import[^;{}]*(;|$)/gi, '');
  text = text.replace(urlToken, (token, doubleQuoted: string | undefined, singleQuoted: string | undefined, bare: string | undefined) => {
    const target = doubleQuoted ?? singleQuoted ?? bare ?? '';
    return isAllowedReference(target) ? token : 'none';
  });
  text = removeFunctionCalls(text, stringUrlFunctions);
  return text.replace(/(behavior|-moz-binding)\s*:/gi, 'blocked-property:');
}

/** Replaces each call of the matched functions, arguments and all, by `none`. */
function removeFunctionCalls(css: string, pattern: RegExp): string {
  let out = '';
  let from = 0;
  for (const match of css.matchAll(pattern)) {
    if (match.index < from) continue; // inside a call already removed
    out += `${css.slice(from, match.index)}none`;
    from = callEnd(css, match.index + match[0].length);
  }
  return out + css.slice(from);
}

/** Index after the `)` that closes a call whose arguments start at `start` (quotes and nesting honoured). */
function callEnd(css: string, start: number): number {
  let depth = 1;
  let quote: string | null = null;
  for (let index = start; index < css.length; index += 1) {
    const char = css[index];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '(') {
      depth += 1;
    } else if (char === ')') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return css.length;
}

function decodeCssEscapes(text: string): string {
  return text
    .replace(/\\\r?\n/g, '')
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\n]?/g, (_escape, hex: string) => {
      const code = Number.parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    })
    .replace(/\\(.)/g, '$1');
}
