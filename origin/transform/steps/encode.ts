import { applyEncoder, contentTypes } from '../encoder-settings.ts';
import type { RenderResult, RenderState } from '../render-types.ts';

/** `f`, `q`: executes the pipeline. Metadata is not copied (sharp's default); colour is handled by the pipeline state. */
export async function encode(state: RenderState): Promise<Omit<RenderResult, 'timings'>> {
  const started = performance.now();
  const image = applyEncoder(state.current(), {
    format: state.format,
    progressive: state.spec.fl === 'progressive',
    // q_auto levels: the per-format default until the content-aware search lands.
    q: typeof state.spec.q === 'number' ? state.spec.q : undefined,
    animation: state.frames > 1 ? { loop: state.source.loop, delay: state.source.delay } : undefined,
  }).timeout({ seconds: state.timeoutSeconds() });
  const { data, info } = await state.run(image.toBuffer({ resolveWithObject: true }));
  state.timings.render = performance.now() - started;
  const frames = info.pages ?? 1;
  return {
    data,
    format: state.format,
    contentType: contentTypes[state.format],
    width: info.width,
    height: frames > 1 ? (info.pageHeight ?? info.height / frames) : info.height,
    frames,
  };
}
