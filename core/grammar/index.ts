/** The transform grammar's public surface, shared by the edge and the origin. */
export { canonicalize, canonicalOps, parseOps } from './canonical.ts';
export { DEFAULT_MAX_OUTPUT_DIMENSION, type GrammarContext, type PresetMap } from './context.ts';
export { targetBox } from './box.ts';
export { opsDocsTable } from './docs.ts';
export { OP_KEYS, opRegistry, type OpKey, type OpSpec, type OpValues } from './ops.ts';
