import { fail } from '../../core/errors.ts';
import { heicAsPng } from '../heic/heic-as-png.ts';
import { renderTimeout } from '../sharp/errors.ts';
import { readSourceHeader } from './probe.ts';
import type { RenderInput, SourceHeader } from './render-types.ts';

/**
 * What the render pipeline reads. A HEIC original (which sharp's libvips cannot decode) is
 * decoded first by libheif in WebAssembly, in a worker stopped at the render deadline, and
 * rendered from those pixels; every other source is read as it is. The pixel limit is checked on
 * the HEIC's header before that decode.
 */
export async function readableSource(
  input: Pick<RenderInput, 'source' | 'header' | 'limits'>,
  deadline: number,
): Promise<{ source: Buffer | string; header: SourceHeader | undefined }> {
  const header = input.header ?? (await readSourceHeader(input.source));
  if (header.compression !== 'hevc') return { source: input.source, header };
  const { width, height } = header.autoOrient ?? { width: header.width, height: header.height };
  if (width * height > input.limits.maxInputPixels) {
    throw fail('image_too_large', `the source has ${width * height} pixels; the limit is ${input.limits.maxInputPixels}`);
  }
  return { source: await heicAsPng(input.source, deadline, () => renderTimeout()), header: undefined };
}
