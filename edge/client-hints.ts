import { effectiveHints, hintHeaders, hintVary, readClientHints, type ClientHints } from '../core/client-hints.ts';
import type { TransformSpec } from '../core/transform-spec.ts';
import type { EdgeConfig } from './config.ts';

/**
 * `w_auto` and `dpr_auto` at the edge, as format-token.ts is for f_auto: the raw hint headers
 * become the values the spec resolves with (the rounded width, or the fallback; the DPR, or 1).
 * Those values key the cache, never the headers, so a thousand viewport widths are a few entries;
 * the origin gets hint headers carrying exactly those values, so it renders what the edge keyed.
 */
export interface EdgeHints {
  /** For the cache key: the values the answer is made with. */
  key: ClientHints;
  /** For the origin request: the hints there were (none: the origin applies the same fallback). */
  headers: Record<string, string>;
  /** For the client's answer. */
  vary: string[];
}

export function edgeHints(spec: TransformSpec, header: (name: string) => string | undefined, config: EdgeConfig): EdgeHints {
  const hints = readClientHints(spec, header, { step: config.autoWidthStep, maxOutputDimension: config.maxOutputDimension });
  return { key: effectiveHints(spec, hints), headers: hintHeaders(hints), vary: hintVary(spec) };
}
