/**
 * `f_auto` (SPEC section 3): `Accept` is reduced to one token so the edge caches per token, never
 * per raw header; the token and the source then pick the output format.
 */
import type { OutputFormat, TransformSpec } from './transform-spec.ts';

export type FormatToken = 'jxl' | 'avif' | 'webp' | 'default';

export interface SourceTraits {
  /** The source's format as the catalog names it (`jpeg`, `png`, `webp`, `avif`, `gif`, `tiff`, `svg`, `heic`). */
  format: string;
  hasAlpha: boolean;
  animated: boolean;
}

/** q of each media range listed in Accept (first listing wins); ranges with a malformed q are skipped. */
export function listedQualities(accept: string): Map<string, number> {
  const qualities = new Map<string, number>();
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim());
    const mediaType = type.toLowerCase();
    if (mediaType === '' || qualities.has(mediaType)) continue;
    let q: number | undefined = 1;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=').map((part) => part.trim());
      if (name.toLowerCase() !== 'q') continue;
      q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : undefined;
    }
    if (q !== undefined) qualities.set(mediaType, q);
  }
  return qualities;
}

/** Issue 19's order (bench/README.md measures it: JPEG XL and AVIF both smaller than WebP): the first one Accept lists wins. */
const PREFERENCE = ['jxl', 'avif', 'webp'] as const satisfies readonly FormatToken[];

/**
 * JPEG XL when Accept lists `image/jxl` with q > 0, else AVIF likewise, else WebP, else `default`.
 * The server's order decides, not the client's q values: every listed format decodes, and the
 * smaller file is the better answer. Only explicit listings count: browsers list the modern
 * formats they decode, while `image/*` and `*\/*` are sent by clients that may not.
 */
export function acceptToken(accept: string | null | undefined): FormatToken {
  if (accept === null || accept === undefined || accept === '') return 'default';
  const qualities = listedQualities(accept);
  return PREFERENCE.find((token) => (qualities.get(`image/${token}`) ?? 0) > 0) ?? 'default';
}

const WRITABLE: readonly OutputFormat[] = ['jpeg', 'png', 'webp', 'avif', 'gif'];

function writable(format: string): OutputFormat | undefined {
  const name = format.toLowerCase() === 'jpg' ? 'jpeg' : format.toLowerCase();
  return WRITABLE.find((candidate) => candidate === name);
}

/** The source's format if pixelfront can write it, else PNG with alpha and JPEG without. */
export function defaultFormat(source: SourceTraits): OutputFormat {
  return writable(source.format) ?? (source.hasAlpha ? 'png' : 'jpeg');
}

/**
 * The output format for `f_auto`. An animated source gets the first accepted format that animates:
 * WebP (every client that accepts JPEG XL or AVIF accepts WebP), else GIF, which every client takes.
 * The JPEG XL encoder here writes one frame, so an animation never becomes JPEG XL.
 */
export function resolveFormat(token: FormatToken, source: SourceTraits): OutputFormat {
  if (source.animated) return token === 'default' ? 'gif' : 'webp';
  return token === 'default' ? defaultFormat(source) : token;
}

/**
 * The format `f_auto` answers with at once while a slower one renders (fast-first, SPEC section 8):
 * WebP when the token names a modern format (every client that accepts JPEG XL or AVIF accepts
 * WebP), else PNG for a source with alpha and JPEG otherwise, which every client takes.
 */
export function fastFormat(token: FormatToken, source: Pick<SourceTraits, 'hasAlpha'>): OutputFormat {
  if (token !== 'default') return 'webp';
  return source.hasAlpha ? 'png' : 'jpeg';
}

/** The format a spec renders to: its explicit `f`, `f_auto` negotiated, or the default. */
export function outputFormat(spec: Pick<TransformSpec, 'f'>, token: FormatToken, source: SourceTraits): OutputFormat {
  if (spec.f === undefined) return defaultFormat(source);
  return spec.f === 'auto' ? resolveFormat(token, source) : spec.f;
}
