import { fail } from '../../core/errors.ts';
import type { OutputFormat } from '../../core/transform-spec.ts';
import { JXL_MAX_PIXELS } from '../jxl/settings.ts';
import type { GeometryPlan } from './geometry.ts';
import type { RenderLimits } from './render-types.ts';

/**
 * The output gate (issue 14, items 5 and 7): the canvas a plan produces — after dpr (already in
 * the box), crop and pad — must keep both sides within MAX_OUTPUT_DIMENSION and, all frames
 * counted, its pixels within MAX_OUTPUT_PIXELS; a JPEG XL output within its encoder's JXL_MAX_PIXELS.
 * Checked from the plan, before any pixel is decoded.
 */
export function checkOutputSize(
  plan: GeometryPlan,
  frames: number,
  limits: Pick<RenderLimits, 'maxOutputDimension' | 'maxOutputPixels'>,
  format?: OutputFormat,
): void {
  const { width, height } = plan.pad ?? plan;
  const size = `${width}x${height}${frames > 1 ? ` × ${frames} frames` : ''}`;
  if (Math.max(width, height) > limits.maxOutputDimension) {
    throw fail('invalid_transform', `the output would be ${size}; MAX_OUTPUT_DIMENSION is ${limits.maxOutputDimension}`);
  }
  const pixels = width * height * frames;
  if (pixels > limits.maxOutputPixels) {
    throw fail('invalid_transform', `the output would be ${size} = ${pixels} pixels; MAX_OUTPUT_PIXELS is ${limits.maxOutputPixels}`);
  }
  if (format === 'jxl' && pixels > JXL_MAX_PIXELS) {
    throw fail(
      'invalid_transform',
      `the output would be ${size} = ${pixels} pixels; JPEG XL outputs are limited to ${JXL_MAX_PIXELS} (the encoder's memory): ask for a smaller size or another format`,
    );
  }
}
