/**
 * The canonical form (SPEC section 3): one string per distinct output, so every equivalent
 * spelling shares one cache entry, one stored variant and one signature.
 */
import type { TransformSpec } from '../transform-spec.ts';
import type { GrammarContext } from './context.ts';
import { expandPreset, readItems } from './items.ts';
import { formatItem, isDefaultValue, OP_KEYS, type OpKey, type OpValues } from './ops.ts';
import { resolveSpec } from './resolve.ts';

/**
 * Parses a transform ops string (the decoded `<ops>` path segment) into a canonical spec.
 * Throws PixelfrontError `invalid_transform` naming the offending item; never anything else.
 */
export function parseOps(ops: string, context: GrammarContext): TransformSpec {
  return resolveSpec(expandPreset(readItems(ops, context), context), context);
}

function specItem<K extends Exclude<OpKey, 't' | 'e'>>(key: K, value: OpValues[K] | undefined): string | undefined {
  return value === undefined || isDefaultValue(key, value) ? undefined : formatItem(key, value);
}

function autoOrNumber(spec: TransformSpec): OpValues['w'] | undefined {
  return spec.wAuto === undefined ? spec.w : { fallback: spec.wAuto };
}

/**
 * The canonical ops string of a spec produced by parseOps: defaults dropped, keys in the SPEC
 * table's order, effects sorted by name. The empty string means the original image.
 */
export function canonicalOps(spec: TransformSpec): string {
  const items: string[] = [];
  for (const key of OP_KEYS) {
    // t never survives parsing (presets are expanded), nor dpr, which is folded into w/h, except
    // `dpr_auto`: like `w_auto`, its value comes with each request, so the URL keeps it.
    if (key === 't') continue;
    if (key === 'dpr' || key === 'w') {
      const item = key === 'dpr' ? specItem('dpr', spec.dprAuto ? 'auto' : undefined) : specItem('w', autoOrNumber(spec));
      if (item !== undefined) items.push(item);
      continue;
    }
    if (key === 'e') {
      const effects = [...(spec.e ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
      items.push(...effects.map((effect) => formatItem('e', effect)));
      continue;
    }
    const item = specItem(key, spec[key]);
    if (item !== undefined) items.push(item);
  }
  return items.join(',');
}

/**
 * parseOps and canonicalOps in one: the spec, its canonical string, and the `t_NAME` preset the
 * URL named (expanded away in the spec; kept for usage statistics by preset).
 */
export function canonicalize(ops: string, context: GrammarContext): { spec: TransformSpec; canonical: string; preset: string | undefined } {
  const items = readItems(ops, context);
  const spec = resolveSpec(expandPreset(items, context), context);
  return { spec, canonical: canonicalOps(spec), preset: items.ops.t?.value };
}
