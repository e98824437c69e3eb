import type { CropMode, Gravity, OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import { canonicalOps } from './grammar.ts';
import { imagePath, SRCSET_WIDTHS } from './urls.ts';

/** What the URL builder's form holds: text as typed, turned into ops by opsOf. */
export interface BuilderState {
  preset: string;
  c: '' | CropMode;
  w: string;
  h: string;
  ar: string;
  g: '' | Gravity;
  /** Fractions of the source, set by clicking the image (c_fill only). */
  fp: [number, number] | null;
  x: string;
  y: string;
  a: '' | '90' | '180' | '270';
  blur: string;
  sharpen: boolean;
  grayscale: boolean;
  b: string;
  wm: string;
  wmGravity: string;
  wmOpacity: string;
  wmScale: string;
  q: string;
  f: '' | 'auto' | OutputFormat;
  /** fl_progressive: a progressive JPEG. */
  progressive: boolean;
}

export const emptyBuilder: BuilderState = {
  preset: '',
  c: '',
  w: '',
  h: '',
  ar: '',
  g: '',
  fp: null,
  x: '',
  y: '',
  a: '',
  blur: '',
  sharpen: false,
  grayscale: false,
  b: '',
  wm: '',
  wmGravity: 'south_east',
  wmOpacity: '100',
  wmScale: '20',
  q: '',
  f: 'auto',
  progressive: false,
};

const round = (value: number) => Math.round(value * 100) / 100;

/** The ops the form says, in the order written; the grammar (core) checks and canonicalises them. */
export function opsOf(state: BuilderState): string {
  const items: string[] = [];
  const add = (key: string, value: string) => {
    if (value.trim() !== '') items.push(`${key}_${value.trim()}`);
  };
  add('t', state.preset);
  add('c', state.c);
  add('w', state.w);
  add('h', state.h);
  add('ar', state.ar);
  if (state.fp) items.push(`fp_${round(state.fp[0])}:${round(state.fp[1])}`);
  else add('g', state.g);
  if (state.c === 'crop') {
    add('x', state.x);
    add('y', state.y);
  }
  add('a', state.a);
  if (state.blur.trim() !== '') items.push(`e_blur:${state.blur.trim()}`);
  if (state.sharpen) items.push('e_sharpen');
  if (state.grayscale) items.push('e_grayscale');
  add('b', state.b.replace(/^#/, ''));
  if (state.wm) items.push(`wm_${state.wm}:${state.wmGravity}:${state.wmOpacity}:${state.wmScale}`);
  add('q', state.q);
  add('f', state.f);
  if (state.progressive) items.push('fl_progressive');
  return items.join(',');
}

/** One candidate of a srcset: the canonical path and its descriptor. */
export interface Candidate {
  path: string;
  descriptor: string;
}

/**
 * The srcset of a canonical spec: width descriptors at the usual steps up to twice its width
 * (the height keeps the spec's ratio); for a height alone 1x and 2x; one candidate for c_crop,
 * whose w and h name a region, not an output size.
 */
export function srcsetCandidates(id: string, spec: TransformSpec, sourceWidth: number): Candidate[] {
  const at = (next: TransformSpec, descriptor: string): Candidate => ({ path: imagePath(id, canonicalOps(next)), descriptor });
  if (spec.c === 'crop') return [at(spec, '1x')];
  if (spec.w === undefined && spec.h !== undefined) return [at(spec, '1x'), at({ ...spec, h: spec.h * 2 }, '2x')];
  const width = spec.w ?? sourceWidth;
  const steps = [...new Set([...SRCSET_WIDTHS.filter((step) => step < width), width, width * 2])].filter((step) => step <= 8192);
  return steps.map((step) => {
    const h = spec.h === undefined || spec.w === undefined ? spec.h : Math.max(1, Math.round((spec.h * step) / spec.w));
    const next: TransformSpec = { ...spec, w: step };
    if (h === undefined) delete next.h;
    else next.h = h;
    return at(next, `${step}w`);
  });
}

export function sizesOf(spec: TransformSpec): string {
  return spec.w === undefined || spec.c === 'crop' ? '100vw' : `(max-width: ${spec.w}px) 100vw, ${spec.w}px`;
}

/** The spec with another output format (undefined: the source's). */
export function withFormat(spec: TransformSpec, format: TransformSpec['f']): TransformSpec {
  const next = { ...spec };
  if (format === undefined) delete next.f;
  else next.f = format;
  return next;
}

const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function srcsetText(candidates: readonly Candidate[], urlOf: (path: string) => string): string {
  return candidates.map((candidate) => `${urlOf(candidate.path)} ${candidate.descriptor}`).join(', ');
}

export interface SnippetInput {
  src: string;
  srcset: string;
  sizes: string;
  alt: string;
  size: { width: number; height: number } | undefined;
}

export function imgSnippet(input: SnippetInput): string {
  const size = input.size ? ` width="${input.size.width}" height="${input.size.height}"` : '';
  return `<img src="${attribute(input.src)}"\n     srcset="${attribute(input.srcset)}"\n     sizes="${attribute(input.sizes)}"${size}\n     alt="${attribute(input.alt)}" loading="lazy" decoding="async">`;
}

export function pictureSnippet(sources: { type: string; srcset: string }[], img: SnippetInput): string {
  const lines = sources.map(
    (source) => `  <source type="${source.type}" srcset="${attribute(source.srcset)}" sizes="${attribute(img.sizes)}">`,
  );
  return `<picture>\n${lines.join('\n')}\n  ${imgSnippet(img).replace(/\n/g, '\n  ')}\n</picture>`;
}
