import type { RenderState } from '../render-types.ts';

/**
 * EXIF orientation, always first. HEIF/AVIF irot/imir are applied by libheif while decoding and
 * libvips drops their EXIF orientation, so `needsOrient` is false there and nothing rotates twice.
 */
export function orient(state: RenderState): void {
  if (!state.source.needsOrient) return;
  // sharp orients after its resize with swapped targets, which keeps JPEG shrink-on-load working.
  state.current().autoOrient();
}
