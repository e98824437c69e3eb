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

export const signedUrlQuerySchema = z.object({
  sig: z.string().optional().describe('the HMAC-SHA256 signature of the canonical path (required when `SIGNED_URLS=required`)'),
  exp: z.string().regex(/^\d+$/).optional().describe('expiry, Unix seconds, covered by `sig`'),
});
