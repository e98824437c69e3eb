import type { Config } from '../config.ts';
import type { RenderLimits } from './render-types.ts';

/**
 * A delivery render's limits from the config. Frames are not a setting: an animated output keeps
 * at most 1000, and MAX_INPUT_PIXELS (all frames counted) bounds the source before that.
 */
export function renderLimits(
  config: Pick<Config, 'maxInputPixels' | 'renderTimeoutMs' | 'maxOutputDimension' | 'maxOutputPixels'>,
): RenderLimits {
  return {
    maxInputPixels: config.maxInputPixels,
    maxFrames: 1000,
    timeoutMs: config.renderTimeoutMs,
    maxOutputDimension: config.maxOutputDimension,
    maxOutputPixels: config.maxOutputPixels,
  };
}
