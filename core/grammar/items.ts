/**
 * Step one of parsing: split an ops string into typed items (each value parsed by its registry
 * entry) and expand `t_NAME` presets. No cross-item rules here; resolve.ts applies those.
 */
import { fail } from '../errors.ts';
import type { Effect } from '../transform-spec.ts';
import type { GrammarContext } from './context.ts';
import { isOpKey, opRegistry, type OpKey, type OpSpec, type OpValues } from './ops.ts';
import type { Limits } from './validators.ts';

export interface Item<K extends OpKey> {
  key: K;
  /** The item as written, e.g. `w_0800`, for messages. */
  text: string;
  value: OpValues[K];
  /** The preset this item came from, if any. */
  from?: string;
}

export type SingleKey = Exclude<OpKey, 'e'>;
export type SingleItems = { [K in SingleKey]?: Item<K> };

export interface ItemSet {
  ops: SingleItems;
  /** At most one item per effect name. */
  effects: Map<Effect['name'], Item<'e'>>;
}

/** Long enough for any sensible URL; bounds the work a hostile one can cause. */
export const MAX_OPS_LENGTH = 1024;

export function itemLabel(item: { text: string; from?: string }): string {
  return item.from === undefined ? item.text : `${item.text} (from t_${item.from})`;
}

export function invalid(detail: string): never {
  throw fail('invalid_transform', detail);
}

export function readItems(ops: string, limits: Limits, from?: string): ItemSet {
  const set: ItemSet = { ops: {}, effects: new Map() };
  if (ops === '') return set;
  if (ops.length > MAX_OPS_LENGTH) invalid(`ops are longer than ${MAX_OPS_LENGTH} characters`);
  ops.split(',').forEach((text, index) => {
    const where = from === undefined ? '' : ` of preset ${from}`;
    if (text === '') invalid(`item ${index + 1}${where} is empty (",," or a "," at either end)`);
    const separator = text.indexOf('_');
    const label = itemLabel({ text, from });
    if (separator <= 0) invalid(`${label}: expected key_value`);
    const key = text.slice(0, separator);
    const raw = text.slice(separator + 1);
    if (!isOpKey(key)) invalid(`${label}: unknown op "${key}"`);
    if (raw === '') invalid(`${label}: empty value`);
    if (key === 'e') addEffect(set, parseItem('e', text, raw, limits, from));
    else addSingle(set.ops, key, text, raw, limits, from);
  });
  return set;
}

function parseItem<K extends OpKey>(key: K, text: string, raw: string, limits: Limits, from: string | undefined): Item<K> {
  const op: OpSpec<OpValues[K]> = opRegistry[key];
  const result = op.value.parse(raw, limits);
  if (!result.ok) invalid(`${itemLabel({ text, from })}: ${op.label} must be ${result.expected}`);
  return from === undefined ? { key, text, value: result.value } : { key, text, value: result.value, from };
}

function addSingle<K extends SingleKey>(
  ops: SingleItems,
  key: K,
  text: string,
  raw: string,
  limits: Limits,
  from: string | undefined,
): void {
  const existing = ops[key];
  if (existing !== undefined) invalid(`${itemLabel({ text, from })}: ${key} given twice (also ${existing.text})`);
  // Viewing the record through K lets TypeScript check that the item matches its key.
  const slot: { [P in K]?: Item<P> } = ops;
  slot[key] = parseItem(key, text, raw, limits, from);
}

function addEffect(set: ItemSet, item: Item<'e'>): void {
  const existing = set.effects.get(item.value.name);
  if (existing !== undefined) invalid(`${itemLabel(item)}: effect ${item.value.name} given twice (also ${existing.text})`);
  set.effects.set(item.value.name, item);
}

/**
 * Replaces `t_NAME` by the preset's items. Explicit items override the preset's by key; `g` and
 * `fp` are one slot (either overrides both), and effects override by effect name.
 */
export function expandPreset(explicit: ItemSet, context: GrammarContext): ItemSet {
  const preset = explicit.ops.t;
  if (preset === undefined) return explicit;
  const presetOps = context.presets.get(preset.value);
  if (presetOps === undefined) invalid(`${preset.text}: unknown preset "${preset.value}"`);
  const expanded = readItems(presetOps, context, preset.value);
  if (expanded.ops.t !== undefined) invalid(`${preset.text}: preset ${preset.value} refers to another preset (${expanded.ops.t.text})`);
  const inherited: SingleItems = { ...expanded.ops };
  if (explicit.ops.g !== undefined || explicit.ops.fp !== undefined) {
    delete inherited.g;
    delete inherited.fp;
  }
  const ops: SingleItems = { ...inherited, ...explicit.ops };
  delete ops.t;
  return { ops, effects: new Map([...expanded.effects, ...explicit.effects]) };
}
