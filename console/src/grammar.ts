import { canonicalize, canonicalOps } from '../../core/grammar/canonical.ts';
import { DEFAULT_MAX_OUTPUT_DIMENSION, type GrammarContext } from '../../core/grammar/context.ts';
import type { TransformSpec } from '../../core/transform-spec.ts';
import type { Preset } from './types.ts';

/**
 * The transform grammar in the page: core's own parser and canonicaliser (core/grammar), the code
 * the origin and the edge run, so what the console shows as canonical is what the service keys,
 * caches and signs. Only the presets come from the service (GET /v1/presets); an op the server
 * refuses for a reason the page cannot know (an unknown watermark) still answers 4xx there.
 */
export function grammarContext(presets: readonly Preset[]): GrammarContext {
  return { presets: new Map(presets.map((preset) => [preset.name, preset.ops])), maxOutputDimension: DEFAULT_MAX_OUTPUT_DIMENSION };
}

export type Canonical = { ok: true; spec: TransformSpec; canonical: string } | { ok: false; error: string };

/** The canonical ops of `ops`, or the grammar's message naming the bad item. */
export function canonical(ops: string, context: GrammarContext): Canonical {
  if (ops.trim() === '') return { ok: true, spec: {}, canonical: '' };
  try {
    const { spec, canonical: text } = canonicalize(ops, context);
    return { ok: true, spec, canonical: text };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export { canonicalOps };
export type { TransformSpec };
