import { acceptToken, type FormatToken } from '../core/negotiate.ts';

export type { FormatToken };

/**
 * The Accept header forwarded to the origin for a token: it carries only the token, so the origin
 * resolves f_auto exactly as the edge keyed it, whatever the browser sent.
 */
const normalisedAccept: Record<FormatToken, string> = {
  jxl: 'image/jxl',
  avif: 'image/avif',
  webp: 'image/webp',
  default: '*/*',
};

export function negotiateFormat(accept: string | undefined): { token: FormatToken; accept: string } {
  const token = acceptToken(accept);
  return { token, accept: normalisedAccept[token] };
}
