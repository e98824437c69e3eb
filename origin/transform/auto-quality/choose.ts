import sharp, { type OutputInfo, type Sharp } from 'sharp';
import type { QualityLevel } from '../../../core/transform-spec.ts';
import { applyEncoder, type LossyFormat } from '../encoder-settings.ts';
import type { RenderState } from '../render-types.ts';
import { renderTimeout } from '../../sharp/errors.ts';
import { searchQuality, type SearchResult } from './search.ts';
import { SsimScorer } from './ssim-scorer.ts';
import { qualityLadder, qualityTarget } from './targets.ts';

/** The metric is computed on at most this many pixels: both images are shrunk alike above it. */
export const METRIC_MAX_PIXELS = 1_000_000;

export interface Encoded {
  data: Buffer;
  info: OutputInfo;
}

/**
 * `q_auto:LEVEL` for one still, lossy output: executes the pipeline into the unencoded image
 * (the reference), then searches the level's ladder, encoding from those pixels and scoring
 * each output against them. The chosen encode is the output: nothing is encoded again.
 */
export async function encodeAtLevel(state: RenderState, format: LossyFormat, level: QualityLevel): Promise<SearchResult<Encoded>> {
  await state.materialise();
  const size = metricSize(state.width, state.height);
  // Cloned: each encode and the reference read the same materialised pixels.
  const reference = await state.run(metricPixels(state.current().clone(), state, size));
  const scorer = new SsimScorer(reference, size.width, size.height, state.deadline, () => renderTimeout());
  try {
    return await searchQuality(qualityLadder(format, level), qualityTarget(format, level), async (quality) => {
      const output = await encodeCandidate(state, format, quality);
      const decoded = await state.run(metricPixels(sharp(output.data), state, size));
      return { quality, score: await scorer.score(decoded), output };
    });
  } finally {
    await scorer.close();
  }
}

/**
 * One candidate encode from the materialised pixels. Each lossy format needs its case (the switch
 * is exhaustive): JPEG XL, which sharp cannot encode or decode, would join with a case that
 * encodes through origin/jxl/'s worker pool and a decode for the score, plus its entry in
 * targets.ts; until then `isLossy` leaves it out and `q_auto` on it encodes as with no `q`.
 */
function encodeCandidate(state: RenderState, format: LossyFormat, quality: number): Promise<Encoded> {
  switch (format) {
    case 'jpeg':
    case 'webp':
    case 'avif': {
      const encoder = applyEncoder(state.current().clone(), {
        format,
        q: quality,
        progressive: state.spec.fl === 'progressive',
        animation: undefined,
      });
      return state.run(encoder.timeout({ seconds: state.timeoutSeconds() }).toBuffer({ resolveWithObject: true }));
    }
  }
}

export function metricSize(width: number, height: number): { width: number; height: number } {
  const pixels = width * height;
  if (pixels <= METRIC_MAX_PIXELS) return { width, height };
  const scale = Math.sqrt(METRIC_MAX_PIXELS / pixels);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * RGBA at the metric's size, as ssim.js reads it. Alpha is flattened onto white first: encoders
 * may change the colour under transparent pixels, which no one sees and must not count.
 */
async function metricPixels(image: Sharp, state: RenderState, size: { width: number; height: number }): Promise<Buffer> {
  const resized =
    size.width === state.width && size.height === state.height
      ? image
      : image.resize(size.width, size.height, { fit: 'fill', fastShrinkOnLoad: false });
  return resized
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .timeout({ seconds: state.timeoutSeconds() })
    .toBuffer();
}
