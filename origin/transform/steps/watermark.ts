import sharp, { type OverlayOptions } from 'sharp';
import { fail, isPixelfrontError } from '../../../core/errors.ts';
import { placeByGravity } from '../geometry.ts';
import type { RawImage, RenderState } from '../render-types.ts';

/** Gap between the watermark and the output's edges, as a fraction of the shorter side. */
const marginFraction = 0.02;
/** A watermark is an overlay, not a photo: refuse absurd ones before decoding. */
const maxWatermarkPixels = 25_000_000;
/**
 * Overlays up to this many pixels are blended in JavaScript on the event loop (~35 ns a pixel:
 * ~9 ms at most); larger ones go through libvips' composite off it, at output size.
 */
const maxBlendPixels = 262_144;
/** Overlays kept per watermark (each a size and opacity it was drawn at): a site asks few widths. */
const overlaysPerWatermark = 32;

interface Overlay {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Scaled and faded overlays by the watermark's bytes (the variant service keeps one Buffer per
 * stored watermark, so an entry goes when its watermark leaves that cache) and by box and opacity:
 * decoding and scaling the logo took ~3.5 ms of CPU a render (bench/README.md, jpeg-watermark).
 */
const overlays = new WeakMap<Buffer, Map<string, Promise<Overlay>>>();

/** `wm`: the tenant's overlay, scaled to a share of the output width, faded, placed by gravity. */
export async function watermark(state: RenderState): Promise<void> {
  const spec = state.spec.wm;
  if (!spec) return;
  const started = performance.now();
  const bytes = state.loadWatermark ? await state.loadWatermark(spec.name) : null;
  if (!bytes) throw fail('not_found', `watermark ${spec.name} not found`);

  const margin = Math.round(Math.min(state.width, state.height) * marginFraction);
  const room = { width: Math.max(1, state.width - 2 * margin), height: Math.max(1, state.height - 2 * margin) };
  const box = { width: Math.min(room.width, Math.max(1, Math.round((state.width * spec.scale) / 100))), height: room.height };
  const overlay = await cachedOverlay(state, bytes, spec.name, box, spec.opacity);

  const { left, top } = placeByGravity(room, overlay, spec.gravity);
  if (state.frames === 1) {
    // sharp gives the whole decoded image an alpha band before resizing when a composite follows in
    // the same pipeline (src/pipeline.cc): from a 2048 px mezzanine that took +40 ms a w_800 render.
    // The resized pixels are made first; a small overlay is blended onto them here, a large one by
    // libvips' composite below, on those output-size pixels.
    const raw = await state.materialise();
    if (overlay.width * overlay.height <= maxBlendPixels && blendOnto(raw, overlay, margin + left, margin + top)) {
      state.continueFrom(raw);
      state.timings.watermark = performance.now() - started;
      return;
    }
  }
  const layers: OverlayOptions[] = Array.from({ length: state.frames }, (_, frame) => ({
    input: overlay.data,
    raw: { width: overlay.width, height: overlay.height, channels: 4 },
    left: margin + left,
    // Animated images are frames stacked vertically: one layer per frame.
    top: frame * state.height + margin + top,
  }));
  (await state.at('composite')).composite(layers);
  state.timings.watermark = performance.now() - started;
}

function cachedOverlay(
  state: RenderState,
  bytes: Buffer,
  name: string,
  box: { width: number; height: number },
  opacity: number,
): Promise<Overlay> {
  let drawn = overlays.get(bytes);
  if (!drawn) overlays.set(bytes, (drawn = new Map<string, Promise<Overlay>>()));
  const key = `${box.width}x${box.height}@${opacity}`;
  const cached = drawn.get(key);
  if (cached) return cached;
  const overlay = decodeOverlay(state, bytes, name, box).then((decoded) => {
    fade(decoded.data, opacity);
    return decoded;
  });
  // A failure (timeout, corrupt file) is not kept: the next render tries again.
  overlay.catch(() => drawn.delete(key));
  if (drawn.size >= overlaysPerWatermark) drawn.delete(drawn.keys().next().value ?? key);
  drawn.set(key, overlay);
  return overlay;
}

/**
 * "Over" compositing of the RGBA overlay onto 8-bit RGB or RGBA pixels in place, as libvips
 * does it for sRGB (unpremultiplied in, unpremultiplied out); only the overlay's rectangle is
 * touched. False for grey images, which sharp's composite turns to colour instead.
 */
export function blendOnto(base: RawImage, overlay: Overlay, left: number, top: number): boolean {
  const channels = base.channels;
  if (channels !== 3 && channels !== 4) return false;
  if (left < 0 || top < 0 || left + overlay.width > base.width || top + overlay.height > base.height) return false;
  const pixels = base.data;
  const over = overlay.data;
  for (let y = 0; y < overlay.height; y++) {
    let from = y * overlay.width * 4;
    let to = ((top + y) * base.width + left) * channels;
    for (let x = 0; x < overlay.width; x++, from += 4, to += channels) {
      const alpha = (over[from + 3] ?? 0) / 255;
      if (alpha === 0) continue;
      const below = channels === 4 ? ((pixels[to + 3] ?? 0) / 255) * (1 - alpha) : 1 - alpha;
      const out = alpha + below;
      for (let band = 0; band < 3; band++) {
        pixels[to + band] = Math.trunc(((over[from + band] ?? 0) * alpha + (pixels[to + band] ?? 0) * below) / out);
      }
      if (channels === 4) pixels[to + 3] = Math.trunc(out * 255);
    }
  }
  return true;
}

async function decodeOverlay(
  state: RenderState,
  bytes: Buffer,
  name: string,
  box: { width: number; height: number },
): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await state.run(
      sharp(bytes, { failOn: 'warning', limitInputPixels: maxWatermarkPixels })
        .autoOrient()
        .resize({ width: box.width, height: box.height, fit: 'inside' })
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    );
    return { data, width: info.width, height: info.height };
  } catch (error) {
    if (isPixelfrontError(error) && error.code === 'unavailable') throw error;
    throw fail('corrupt_image', `watermark ${name} could not be decoded`, { cause: error });
  }
}

/** Opacity multiplies the overlay's own alpha. */
function fade(rgba: Buffer, opacity: number): void {
  if (opacity >= 100) return;
  const factor = opacity / 100;
  for (let index = 3; index < rgba.length; index += 4) {
    rgba[index] = Math.round((rgba[index] ?? 0) * factor);
  }
}
