/**
 * JPEG XL encoder settings, chosen by measurement on the corpus photos (bench/README.md, JPEG XL):
 * the quality whose SSIM matches WebP's default, and the effort past which encode time grows
 * faster than the bytes shrink.
 */
export const JXL_QUALITY = 75;
export const JXL_EFFORT = 3;

/**
 * The largest JPEG XL output. The WebAssembly build's heap stops at 2 GB and libjxl needs about
 * 65 bytes per pixel: a 20 MP encode took 1.3 GB here, a 25.6 MP one ran out. A larger output is
 * refused like one over MAX_OUTPUT_PIXELS (400, origin/transform/output-limits.ts), before any decode.
 */
export const JXL_MAX_PIXELS = 16_000_000;
