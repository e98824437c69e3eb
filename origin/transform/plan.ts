import { fail } from '../../core/errors.ts';
import { canonicalize, canonicalOps } from '../../core/grammar/canonical.ts';
import type { GrammarContext } from '../../core/grammar/context.ts';
import type { FormatToken } from '../../core/negotiate.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { autoFormat } from './auto-format.ts';

/**
 * Where every transform of the origin is planned: `/img` URLs, batches, eager presets and jobs all
 * parse ops here, against the grammar context alone, so the same ops always name the same variant.
 */

/**
 * The grammar plus the origin's encoder defaults: settings that change a variant's bytes, so they
 * enter its identity, but never its canonical form or signature (SPEC section 8).
 */
export interface TransformContext extends GrammarContext {
  /** JPEG_PROGRESSIVE: every JPEG output is progressive, as if the URL had `fl_progressive`. */
  jpegProgressive?: boolean;
}

/** The parsed, canonical form of a transform, as the origin and the worker pool key it. */
export interface CanonicalTransform {
  spec: TransformSpec;
  canonical: string;
  /**
   * The canonical ops without `f` and `fl`: with the concrete format and `progressive`, the
   * identity of the variant. `fl` is left out because it only matters for a JPEG output.
   */
  canonicalWithoutFormat: string;
  /** A JPEG output is progressive: `fl_progressive` in the URL, or JPEG_PROGRESSIVE. */
  progressive: boolean;
  /** The `t_NAME` the ops named (counted in usage statistics by preset). */
  preset: string | undefined;
}

/** A validated preset or raw transform of a batch or an upload's `eager`, with the label its outputs get. */
export interface PlannedTransform extends CanonicalTransform {
  label: string;
}

/** Throws 400 `invalid_transform` naming the offending item. */
export function canonicalTransform(grammar: TransformContext, ops: string): CanonicalTransform {
  const { spec, canonical, preset } = canonicalize(ops, grammar);
  const { f: _format, fl, ...rest } = spec;
  const progressive = fl === 'progressive' || grammar.jpegProgressive === true;
  return { spec, canonical, canonicalWithoutFormat: canonicalOps(rest), progressive, preset };
}

const PRESET_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Every token `f_auto` can resolve to: one variant each, so any browser's request is served from storage. */
const negotiableTokens: readonly FormatToken[] = ['jxl', 'avif', 'webp', 'default'];

/**
 * Parses every preset name and raw transform up front, so a batch or an upload is refused whole
 * (400 `invalid_transform` naming the item) before anything is stored or queued.
 */
export function planTransforms(
  grammar: TransformContext,
  request: { presets: readonly string[]; transforms: readonly string[] },
): PlannedTransform[] {
  const planned: PlannedTransform[] = [];
  for (const name of request.presets) {
    if (!PRESET_NAME.test(name))
      throw fail('invalid_transform', `preset ${JSON.stringify(name.slice(0, 80))}: names are 1…64 characters A-Z a-z 0-9 _ -`);
    if (!grammar.presets.has(name)) throw fail('invalid_transform', `preset "${name}" is not defined`);
    planned.push({ label: name, ...canonicalTransform(grammar, `t_${name}`) });
  }
  for (const ops of request.transforms) {
    if (ops.trim() === '') throw fail('invalid_transform', 'a transform must not be empty');
    const transform = canonicalTransform(grammar, ops);
    planned.push({ label: transform.canonical === '' ? 'original' : transform.canonical, ...transform });
  }
  return planned;
}

/** The preset names of an upload's `eager` value (`thumb,card`, or a JSON list), trimmed, empty ones dropped. */
export function eagerNames(raw: string | readonly string[] | undefined): string[] {
  if (raw === undefined) return [];
  return (typeof raw === 'string' ? raw.split(',') : raw).map((name) => name.trim()).filter(Boolean);
}

/** Plans an upload's `eager` presets, each once; throws 400 `invalid_transform` for an unknown one. */
export function planEager(grammar: TransformContext, raw: string | readonly string[] | undefined): PlannedTransform[] {
  return planTransforms(grammar, { presets: [...new Set(eagerNames(raw))], transforms: [] });
}

/** The concrete formats a transform is made in for one source: `f_auto` gives one per negotiable format. */
export function formatsFor(transform: CanonicalTransform, image: ImageRecord): OutputFormat[] {
  return [...new Set(negotiableTokens.map((token) => autoFormat(transform.spec, image, token)))];
}
