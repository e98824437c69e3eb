import type { OutputFormat } from '../../core/transform-spec.ts';

// What the variant service answers with, apart from the service itself, so fast-first.ts (which
// variants.ts uses) and delivery can name it without importing variants.ts back.

/** A rendered variant as it is served and cached. */
export interface Variant {
  data: Buffer;
  format: OutputFormat;
  contentType: string;
}

export type VariantSource = 'memory' | 'storage' | 'render';

export interface VariantLookup {
  variant: Variant;
  source: VariantSource;
  timings: Record<string, number>;
  /** What a render decoded: `ladder-<size>` (a mezzanine) or `original`; for Server-Timing. */
  decoded?: string;
  /** A fast-first answer (fast-first.ts): the better format rendering meanwhile; the answer is short-lived. */
  upgrading?: OutputFormat;
}
