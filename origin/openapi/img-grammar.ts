import { z } from 'zod';
import { opsDocsTable } from '../../core/grammar/docs.ts';
import { MAX_OPS_LENGTH } from '../../core/grammar/items.ts';
import { OP_KEYS } from '../../core/grammar/ops.ts';
import { IMAGE_ID } from '../../core/ids.ts';
import { builtInPresets } from '../../core/presets.ts';

/**
 * The `/img` URL grammar (SPEC section 3) as OpenAPI path parameters, from the op registry in
 * core/grammar: the keys, their values and defaults come from the same table the parser reads.
 */

export const imageIdSchema = z.string().regex(IMAGE_ID).describe('the image id (`[A-Za-z0-9_-]{8,64}`)');

const key = `(?:${[...OP_KEYS].sort((a, b) => b.length - a.length).join('|')})`;
const item = `${key}_[^,/]+`;

export const opsSchema = z
  .string()
  .max(MAX_OPS_LENGTH)
  .regex(new RegExp(`^${item}(?:,${item})*$`))
  .describe(
    [
      'Comma-separated `key_value` items, in any order; every spelling of one output has one canonical form',
      '(keys in the order below, defaults dropped), which is what is cached, stored and signed.',
      `Presets: \`t_NAME\`; the built-in ones are ${[...builtInPresets.keys()].map((name) => `\`${name}\``).join(', ')}`,
      "(`GET /v1/presets` lists this service's). An invalid item is 400 `invalid_transform` naming it.",
      '',
      opsDocsTable(),
    ].join('\n'),
  );

export const seoNameSchema = z
  .string()
  .describe('a free file name for people and search engines (`harbour.webp`); never changes the response');

/** The request headers a variant may depend on (f_auto, w_auto, dpr_auto); a hint that does not parse is ignored. */
export const variantHeadersSchema = z.object({
  Accept: z.string().optional().describe('`f_auto` picks the output format from it (see f_auto)'),
  'Sec-CH-Width': z
    .string()
    .optional()
    .describe('`w_auto`: the slot width in device pixels, rounded up to `AUTO_WIDTH_STEP`; a page opts in with `Accept-CH`'),
  Width: z.string().optional().describe('`w_auto`: the legacy name of `Sec-CH-Width`, read when that one is absent or unusable'),
  'Sec-CH-DPR': z.string().optional().describe('`dpr_auto`: the device pixel ratio, rounded up to tenths, 1…4'),
  DPR: z.string().optional().describe('`dpr_auto`: the legacy name of `Sec-CH-DPR`'),
});

/** Response headers of a variant. */
export const variantResponseHeaders = {
  Vary: 'the request headers the answer depends on: `Accept` for f_auto, `Sec-CH-Width, Width` for w_auto, `Sec-CH-DPR, DPR` for dpr_auto',
};

export const signedUrlQuerySchema = z.object({
  sig: z.string().optional().describe('the HMAC-SHA256 signature of the canonical path (required when `SIGNED_URLS=required`)'),
  exp: z.string().regex(/^\d+$/).optional().describe('expiry, Unix seconds, covered by `sig`'),
});
