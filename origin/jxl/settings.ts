/**
 * JPEG XL encoder settings, chosen by measurement on the corpus photos (`npm run bench:jxl`,
 * bench/README.md): quality 80 is where libjxl reaches the SSIM WebP's default q80 does (median
 * 79.4 over ten photos), and effort 3 because effort 5 and 7 took 3.8 × and 7.3 × its encode time
 * for 5–6 % fewer bytes, while effort 1 was no faster and 9 % larger.
 */
export const JXL_QUALITY = 80;
export const JXL_EFFORT = 3;

/**
 * The largest JPEG XL output. The WebAssembly build's heap stops at 2 GB and libjxl needs about
 * 65 bytes per pixel: a 20 MP encode took 1.3 GB here, a 25.6 MP one ran out. A larger output is
 * refused like one over MAX_OUTPUT_PIXELS (400, origin/transform/output-limits.ts), before any decode.
 */
export const JXL_MAX_PIXELS = 16_000_000;
