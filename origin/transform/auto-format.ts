import { fastFormat, outputFormat, type FormatToken } from '../../core/negotiate.ts';
import type { OutputFormat, TransformSpec } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import { fitsJxl } from '../jxl/fits.ts';

/**
 * The concrete format of a spec for one source and `f_auto` token (core/negotiate.ts), with one
 * origin-side rule the edge need not know: `f_auto` never picks a JPEG XL larger than its encoder
 * holds, and answers in the default format instead, which every client reads (the edge keyed the
 * request by the token only, so it cannot tell what else the client accepts).
 */
export function autoFormat(spec: TransformSpec, image: ImageRecord, token: FormatToken): OutputFormat {
  const traits = { format: image.format, hasAlpha: image.hasAlpha, animated: image.frames > 1 };
  const format = outputFormat(spec, token, traits);
  if (format === 'jxl' && spec.f === 'auto' && !fitsJxl(spec, image)) return outputFormat(spec, 'default', traits);
  return format;
}

/**
 * The format a cold `f_auto` may be answered with first while `chosen` renders (fast-first.ts), or
 * undefined where there is none: not f_auto, an animated source (the fast formats for a client
 * without a modern token do not animate, and WebP is already the choice of one with it), or the
 * fast format is the chosen one. Whether the encode is slow enough is the VariantService's call.
 */
export function fastFirstFormat(
  spec: TransformSpec,
  image: ImageRecord,
  token: FormatToken,
  chosen: OutputFormat,
): OutputFormat | undefined {
  if (spec.f !== 'auto' || image.frames > 1) return undefined;
  const fast = fastFormat(token, image);
  return fast === chosen ? undefined : fast;
}
