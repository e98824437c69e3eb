/**
 * What the grammar needs from outside a URL: the presets `t_NAME` may name and the largest output
 * side. Built once per process (origin) or per request from bindings (edge), never module-global.
 */

/** Preset name → its ops string (validated, without `t_`). */
export type PresetMap = ReadonlyMap<string, string>;

export interface GrammarContext {
  presets: PresetMap;
  /** `MAX_OUTPUT_DIMENSION`: the largest `w`/`h` after `dpr`. */
  maxOutputDimension: number;
}

export const DEFAULT_MAX_OUTPUT_DIMENSION = 8192;
