import type { PresetMap } from '../core/grammar/context.ts';
import { builtInPresets, parsePresets } from '../core/presets.ts';

export type { PresetMap };

/**
 * The presets `t_NAME` may name at the edge: the built-ins, or the PRESETS binding (the JSON of the
 * origin's PRESETS_FILE), which replaces them exactly as the file does at the origin, so both
 * sides canonicalise a preset URL to the same path. Throws an Error naming the problem.
 */
export function loadPresets(json: string | undefined, maxOutputDimension: number): PresetMap {
  if (json === undefined || json.trim() === '') return builtInPresets;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('PRESETS is not valid JSON');
  }
  return parsePresets(value, { maxOutputDimension });
}
