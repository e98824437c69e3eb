// One HEIC/HEIF decode, in a worker thread of its own (origin/heic/decode-heic.ts starts it).
// libheif + libde265 compiled to WebAssembly: plain JavaScript, so `node dist/...` runs it as it
// is. A WASM abort or an out-of-memory here ends this thread only, never the origin process.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
// The bundle carries the .wasm inside it: nothing is read or fetched at run time.
const libheif = require('libheif-js/wasm-bundle');

/** libheif's error objects carry a code (0 = ok) and a message. */
function failed(result) {
  return !result || (typeof result.code === 'object' && result.code.value !== 0) || typeof result.code === 'number';
}

function message(result, what) {
  const detail = result && typeof result.message === 'string' && result.message !== '' ? `: ${result.message}` : '';
  return `${what}${detail}`;
}

async function decode(bytes) {
  const context = libheif.heif_context_alloc();
  try {
    const read = libheif.heif_context_read_from_memory(context, bytes);
    if (read.code.value !== 0) return { ok: false, message: message(read, 'the HEIF container cannot be read') };
    // The primary item (pitm): a grid is assembled from its tiles; thumbnails, depth and other
    // auxiliary images are other items and are not decoded.
    const handle = libheif.heif_js_context_get_primary_image_handle(context);
    if (failed(handle)) return { ok: false, message: message(handle, 'the HEIF file has no readable primary image') };
    try {
      const hasAlpha = Boolean(libheif.heif_image_handle_has_alpha_channel(handle));
      const premultiplied = hasAlpha && Boolean(libheif.heif_image_handle_is_premultiplied_alpha(handle));
      // Interleaved 8-bit RGBA: libheif applies irot/imir/clap and reduces 10/12-bit samples to 8.
      const image = await libheif.heif_js_decode_image2(
        handle,
        libheif.heif_colorspace.heif_colorspace_RGB,
        libheif.heif_chroma.heif_chroma_interleaved_RGBA,
      );
      if (failed(image)) return { ok: false, message: message(image, 'the HEIF image cannot be decoded') };
      try {
        const interleaved = libheif.heif_channel.heif_channel_interleaved.value;
        const plane = image.channels.find((channel) => (channel.id?.value ?? channel.id) === interleaved);
        if (!plane) return { ok: false, message: 'the decoder returned no interleaved pixels' };
        const { width, height, stride } = plane;
        const data = new Uint8Array(width * height * 4);
        for (let row = 0; row < height; row += 1) {
          data.set(plane.data.subarray(row * stride, row * stride + width * 4), row * width * 4);
        }
        return { ok: true, data, width, height, hasAlpha, premultiplied };
      } finally {
        libheif.heif_image_release(image.image);
      }
    } finally {
      libheif.heif_image_handle_release(handle);
    }
  } finally {
    libheif.heif_context_free(context);
  }
}

const bytes = new Uint8Array(workerData.bytes);
decode(bytes).then(
  (result) => parentPort.postMessage(result, result.ok ? [result.data.buffer] : []),
  (error) => parentPort.postMessage({ ok: false, message: `the HEIF decoder failed: ${String(error?.message ?? error)}` }),
);
