import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { fail } from '../../../core/errors.ts';
import { gunzipCapped, isGzip } from '../gzip.ts';
import {
  allowedElements,
  animationElements,
  elementsNeedingReference,
  isAllowedAnimationTarget,
  renamedElements,
  sanitizeAttribute,
  sanitizeCss,
} from './policy.ts';
import { absoluteUnitsToPx, lengthAttributes } from './units.ts';
import { decodeXmlText, isSvgRoot, scanProlog } from './xml-text.ts';

/**
 * The SVG sanitiser: a real XML parse, then a rebuild that keeps only whitelisted elements and
 * safe attributes (svg-policy.ts). What comes out is what the origin serves for an SVG original
 * and what librsvg rasterises, so neither a browser nor librsvg ever sees a script, an event
 * handler, an external reference, a DOCTYPE/ENTITY or a processing instruction.
 */

/** What one SVG may cost to sanitise and rasterise (`MAX_SVG_BYTES`, `MAX_SVG_ELEMENTS`). */
export interface SvgLimits {
  /** Largest SVG accepted, after gzip decompression (413 beyond). */
  maxBytes: number;
  /** Most elements (opening tags) accepted (422 image_too_large beyond). */
  maxElements: number;
}

export const DEFAULT_SVG_LIMITS: SvgLimits = { maxBytes: 16 * 1024 * 1024, maxElements: 50_000 };

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** fast-xml-parser's ordered output: `{ name: children, ':@': attributes }` or `{ '#text': … }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Decodes the five XML entities and numeric references; a DOCTYPE never reaches the parser.
  processEntities: true,
  htmlEntities: true,
  maxNestedTags: 512,
});

/**
 * Returns a safe SVG document (UTF-8 text). Accepts svgz (gzip) as a Buffer. Synchronous and
 * CPU-bound (seconds for a large document): the origin runs it on a worker thread (svg-pool.ts).
 */
export function sanitizeSvg(input: Buffer | string, limits: SvgLimits = DEFAULT_SVG_LIMITS): string {
  const { maxBytes, maxElements } = limits;
  const text = typeof input === 'string' ? input : decodeXmlText(isGzip(input) ? gunzipCapped(input, maxBytes) : input);
  if (text.length > maxBytes) throw fail('payload_too_large', `the SVG is larger than MAX_SVG_BYTES (${maxBytes} bytes)`);
  // Counted before the parse: the parse tree of a few hundred thousand elements is what costs
  // the seconds and the memory, and librsvg would spend as long again drawing them.
  const elements = countElements(text, maxElements);
  if (elements > maxElements) throw fail('image_too_large', `the SVG has more than MAX_SVG_ELEMENTS (${maxElements}) elements`);
  const prolog = scanProlog(text);
  if (prolog === null || !isSvgRoot(prolog))
    throw fail('unsupported_media_type', 'the document is not an SVG image (its root element is not <svg>)');
  // Everything before the root goes: XML declaration, processing instructions, DOCTYPE and entities.
  const body = text.slice(prolog.rootStart);
  const validation = XMLValidator.validate(body);
  if (validation !== true) {
    throw fail('corrupt_image', `the SVG is not well-formed XML: ${validation.err.msg} (line ${validation.err.line})`);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(body);
  } catch (error) {
    throw fail('corrupt_image', `the SVG could not be parsed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const root = Array.isArray(nodes) ? nodes.find((node): node is XmlNode => isElement(node) && elementName(node) === 'svg') : undefined;
  if (root === undefined) throw fail('corrupt_image', 'the SVG has no <svg> root element');
  return serializeElement(root, true);
}

/** Opening tags (`<` and a name start), up to one past `max`; text that merely looks like one counts too. */
function countElements(text: string, max: number): number {
  let count = 0;
  for (let index = text.indexOf('<'); index >= 0 && count <= max; index = text.indexOf('<', index + 1)) {
    const next = text.charCodeAt(index + 1);
    // A-Z, a-z, '_' and ':' (and non-ASCII names): not '/', '!' or '?'.
    if ((next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 95 || next === 58 || next > 127) count += 1;
  }
  return count;
}

function isElement(node: unknown): node is XmlNode {
  return typeof node === 'object' && node !== null && elementName(node as XmlNode) !== undefined;
}

/** The node's tag name; undefined for text, CDATA, comments and processing instructions. */
function elementName(node: XmlNode): string | undefined {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined || name.startsWith('#') || name.startsWith('?')) return undefined;
  return name;
}

function children(node: XmlNode, name: string): unknown[] {
  const value = node[name];
  return Array.isArray(value) ? value : [];
}

function attributes(node: XmlNode): [string, string][] {
  const value = node[':@'];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

/** Text of a node's text and CDATA children (used for `<style>`). */
function textContent(nodes: unknown[]): string {
  let text = '';
  for (const node of nodes) {
    if (typeof node !== 'object' || node === null) continue;
    const record = node as XmlNode;
    if (typeof record['#text'] === 'string') text += record['#text'];
    else if (Array.isArray(record['#cdata'])) text += textContent(record['#cdata']);
  }
  return text;
}

function serializeElement(node: XmlNode, isRoot: boolean): string {
  const original = elementName(node);
  if (original === undefined) return '';
  const name = renamedElements.get(original) ?? original;
  if (!allowedElements.has(name)) return '';
  const attrs = new Map<string, string>();
  for (const [attrName, value] of attributes(node)) {
    if (renamedElements.has(original) && (attrName === 'href' || attrName === 'xlink:href')) continue;
    const verdict = sanitizeAttribute(attrName, value);
    if (verdict.keep) attrs.set(attrName, lengthAttributes.has(attrName) ? absoluteUnitsToPx(verdict.value) : verdict.value);
  }
  if (elementsNeedingReference.has(name) && !attrs.has('href') && !attrs.has('xlink:href')) return '';
  if (animationElements.has(name) && !isAllowedAnimationTarget(attrs.get('attributeName'))) return '';
  if (isRoot) {
    attrs.set('xmlns', SVG_NS);
    attrs.set('xmlns:xlink', XLINK_NS);
  }
  const content =
    name === 'style'
      ? escapeText(absoluteUnitsToPx(sanitizeCss(textContent(children(node, original)))))
      : serializeChildren(children(node, original));
  const attributeText = [...attrs].map(([attrName, value]) => ` ${attrName}="${escapeAttribute(value)}"`).join('');
  return content === '' ? `<${name}${attributeText}/>` : `<${name}${attributeText}>${content}</${name}>`;
}

function serializeChildren(nodes: unknown[]): string {
  let out = '';
  for (const node of nodes) {
    if (typeof node !== 'object' || node === null) continue;
    const record = node as XmlNode;
    if (typeof record['#text'] === 'string') out += escapeText(record['#text']);
    else if (Array.isArray(record['#cdata'])) out += escapeText(textContent(record['#cdata']));
    else if (isElement(record)) out += serializeElement(record, false);
    // Comments and processing instructions are dropped.
  }
  return out;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  // A literal tab or newline in an attribute means a space in XML (attribute normalisation).
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/[\t\n\r]/g, ' ');
}
