import type { TransformSpec } from '../../core/transform-spec.ts';
import { planGeometry } from '../transform/geometry.ts';
import { JXL_MAX_PIXELS } from './settings.ts';

/**
 * Whether a render of `spec` from a source of this oriented size stays within the JPEG XL
 * encoder's pixel bound. `f_auto` asks before choosing JPEG XL, so a browser that accepts it never
 * gets the 400 an explicit `f_jxl` of that size gets. The size is planned without the
 * MAX_OUTPUT_DIMENSION clamp, which can only make it larger: when unsure, the answer is no.
 */
export function fitsJxl(spec: TransformSpec, source: { width: number; height: number }): boolean {
  try {
    const plan = planGeometry(source, spec, { animated: false });
    const { width, height } = plan.pad ?? plan;
    return width * height <= JXL_MAX_PIXELS;
  } catch {
    // A spec this source cannot satisfy fails in the render with its own 400, whatever the format.
    return true;
  }
}
