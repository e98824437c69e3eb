import type { OutputInfo } from 'sharp';
import { qualityLevel } from '../../../core/grammar/quality.ts';
import { jxlEncoders } from '../../jxl/encoder-pool.ts';
import { renderTimeout } from '../../sharp/errors.ts';
import { encodeAtLevel } from '../auto-quality/choose.ts';
import { applyEncoder, contentTypes, isLossy, jxlSettings } from '../encoder-settings.ts';
import type { RenderResult, RenderState } from '../render-types.ts';

/** `f`, `q`: executes the pipeline. Metadata is not copied (sharp's default); colour is handled by the pipeline state. */
export async function encode(state: RenderState): Promise<Omit<RenderResult, 'timings'>> {
  const started = performance.now();
  const { data, info, quality } = await encodeOutput(state);
  state.timings.render = performance.now() - started;
  const frames = info.pages ?? 1;
  return {
    data,
    format: state.format,
    contentType: contentTypes[state.format],
    width: info.width,
    height: frames > 1 ? (info.pageHeight ?? info.height / frames) : info.height,
    frames,
    ...(quality === undefined ? {} : { quality }),
  };
}

async function encodeOutput(state: RenderState): Promise<{ data: Buffer; info: OutputInfo; quality?: number }> {
  const { format } = state;
  const level = qualityLevel(state.spec.q);
  // q_auto searches stills in lossy formats; animations, PNG, GIF and JPEG XL encode as with no q.
  if (level !== undefined && isLossy(format) && state.frames === 1) {
    const { chosen } = await encodeAtLevel(state, format, level);
    return { ...chosen.output, quality: chosen.quality };
  }
  const q = typeof state.spec.q === 'number' ? state.spec.q : undefined;
  const image = applyEncoder(state.current(), {
    format,
    progressive: state.spec.fl === 'progressive',
    q,
    animation: state.frames > 1 ? { loop: state.source.loop, delay: state.source.delay } : undefined,
  }).timeout({ seconds: state.timeoutSeconds() });
  const output = await state.run(image.toBuffer({ resolveWithObject: true }));
  // JPEG XL: sharp stopped at sRGB RGBA (encoder-settings.ts); a worker thread encodes it.
  return format === 'jxl' ? { data: await encodeJxl(state, output.data, output.info, q), info: output.info } : output;
}

async function encodeJxl(
  state: RenderState,
  rgba: Buffer,
  size: { width: number; height: number },
  q: number | undefined,
): Promise<Buffer> {
  const started = performance.now();
  const encoded = await jxlEncoders().encode({ rgba, width: size.width, height: size.height, ...jxlSettings(q) }, state.deadline, () =>
    renderTimeout(),
  );
  state.timings.jxl = performance.now() - started;
  return encoded;
}
