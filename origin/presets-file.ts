/**
 * Loads PRESETS_FILE at start. A missing, unreadable or invalid file is a start-up failure with one
 * clear line, never a silently empty preset list.
 */
import { readFile } from 'node:fs/promises';
import type { PresetMap } from '../core/grammar/context.ts';
import { builtInPresets, parsePresets } from '../core/presets.ts';

export async function loadPresets(path?: string, options: { maxOutputDimension?: number } = {}): Promise<PresetMap> {
  if (path === undefined) return builtInPresets;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new Error(`PRESETS_FILE ${path}: cannot read (${reason})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`PRESETS_FILE ${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  try {
    return parsePresets(json, options);
  } catch (error) {
    throw new Error(`PRESETS_FILE ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
