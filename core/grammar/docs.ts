/** The grammar table of the README, generated from the op registry so the docs cannot drift. */
import { DEFAULT_MAX_OUTPUT_DIMENSION } from './context.ts';
import { OP_KEYS, opRegistry, type OpKey, type OpSpec, type OpValues } from './ops.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function row<K extends OpKey>(key: K): string {
  const op: OpSpec<OpValues[K]> = opRegistry[key];
  const values = op.value.expected({ maxOutputDimension: DEFAULT_MAX_OUTPUT_DIMENSION });
  const fallback = op.default === undefined ? '—' : `\`${op.format(op.default)}\``;
  const repeat = op.repeatable === true ? ' (repeatable)' : '';
  return `| \`${key}\`${repeat} | ${cell(values)} | ${cell(op.defaultText ?? fallback)} | ${cell(op.docs)} |`;
}

/** A markdown table with one row per op, in canonical order. */
export function opsDocsTable(): string {
  return ['| key | value | default | meaning |', '| --- | --- | --- | --- |', ...OP_KEYS.map((key) => row(key))].join('\n');
}
