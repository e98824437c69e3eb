/**
 * Named presets (`t_NAME`): the built-in set, and the validation of a PRESETS_FILE's JSON, which
 * the origin reads at start and the edge bundles at build time. A file replaces the built-ins.
 */
import { z } from 'zod';
import { canonicalize } from './grammar/canonical.ts';
import { DEFAULT_MAX_OUTPUT_DIMENSION, type GrammarContext, type PresetMap } from './grammar/context.ts';
import { isPixelfrontError } from './errors.ts';

export const builtInPresets: PresetMap = new Map([
  ['thumb', 'c_fill,w_200,h_200'],
  ['card', 'c_fill,w_600,h_400'],
  ['hero', 'w_1600'],
  ['og', 'c_fill,w_1200,h_630,f_jpeg'],
  // Faces are rarely centred in uploaded photos: saliency keeps them in a small square.
  ['avatar', 'c_fill,w_128,h_128,g_auto'],
]);

const PRESET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const presetsSchema = z.record(z.string(), z.string().min(1, 'ops must not be empty').max(1024, 'ops are longer than 1024 characters'));

/**
 * Validates presets JSON (`{ "name": "ops", … }`): each preset's ops must parse on their own and
 * may not use `t_`. Throws an Error with a
 * one-line message naming the first problem.
 */
export function parsePresets(json: unknown, options: { maxOutputDimension?: number } = {}): PresetMap {
  const parsed = presetsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'presets' : `preset "${issue.path.map(String).join('.')}"`;
    throw new Error(`${where}: ${issue?.message ?? 'must be an object of name → ops'}`);
  }
  const context: GrammarContext = {
    presets: new Map(),
    maxOutputDimension: options.maxOutputDimension ?? DEFAULT_MAX_OUTPUT_DIMENSION,
  };
  const presets = new Map<string, string>();
  for (const [name, ops] of Object.entries(parsed.data)) {
    // Checked here rather than by zod, whose key errors do not name the key.
    if (!PRESET_NAME.test(name)) throw new Error(`preset "${name}": preset names are 1…64 characters A-Z a-z 0-9 _ -`);
    if (ops.split(',').some((item) => item.startsWith('t_'))) throw new Error(`preset "${name}": presets may not refer to other presets`);
    try {
      canonicalize(ops, context);
    } catch (error) {
      if (!isPixelfrontError(error)) throw error;
      throw new Error(`preset "${name}": ${error.message}`, { cause: error });
    }
    // Kept as written, not canonical: overrides act on the author's ops (`w_100,ar_2:1` then
    // `w_300` must give h 150, not the folded h 50).
    presets.set(name, ops);
  }
  return presets;
}

/** The body of `GET /v1/presets`: every preset with its canonical ops. */
export function describePresets(presets: PresetMap, context: GrammarContext): { name: string; ops: string }[] {
  return [...presets.keys()].map((name) => ({ name, ops: canonicalize(`t_${name}`, context).canonical }));
}
