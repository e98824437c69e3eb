import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { fail, type PixelfrontError } from '../../core/errors.ts';

/**
 * HEVC-coded HEIF (HEIC) decoding. sharp's prebuilt libvips has no HEVC decoder, so the pixels
 * come from libheif + libde265 compiled to WebAssembly (npm `libheif-js`), run in a worker thread
 * of its own per decode: off the event loop, stopped for real (terminate) when the deadline
 * passes, and a WASM abort or out-of-memory ends that thread, never the process. The worker is
 * plain JavaScript (decode-worker.mjs), so it runs the same under tests and from dist/.
 */

/** 8-bit RGBA as libheif gives it: irot/imir applied, the primary image only (grids assembled). */
export interface HeicPixels {
  /** width × height × 4 bytes. */
  data: Buffer;
  width: number;
  height: number;
  hasAlpha: boolean;
  /** The file declares premultiplied alpha (libheif leaves it so). */
  premultiplied: boolean;
}

type WorkerReply =
  { ok: true; data: Uint8Array; width: number; height: number; hasAlpha: boolean; premultiplied: boolean } | { ok: false; message: string };

const workerUrl = new URL('./decode-worker.mjs', import.meta.url);

/**
 * Decodes the primary image of a HEIC file. A file libheif refuses is 422 corrupt_image; past
 * `deadline` (Date.now() scale) the worker is terminated and `timedOut()` is thrown.
 */
export async function decodeHeic(input: Buffer | string, deadline: number, timedOut: () => PixelfrontError): Promise<HeicPixels> {
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  // A copy of its own for the worker: the caller's buffer may be a slice of a shared pool.
  const copy = new Uint8Array(bytes).buffer;
  // execArgv []: the parent's flags (a TypeScript loader, --input-type) mean nothing to plain JavaScript.
  // stdout/stderr kept apart: libheif's own prints must not mix into the origin's JSON log.
  const worker = new Worker(workerUrl, { workerData: { bytes: copy }, transferList: [copy], execArgv: [], stdout: true, stderr: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<HeicPixels>((resolve, reject) => {
      timer = setTimeout(() => reject(timedOut()), Math.max(0, deadline - Date.now()));
      worker.once('message', (reply: WorkerReply) => {
        if (!reply.ok) return reject(undecodable(reply.message));
        const { data, width, height, hasAlpha, premultiplied } = reply;
        resolve({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, hasAlpha, premultiplied });
      });
      worker.once('error', (error) => reject(undecodable(`the HEIF decoder stopped: ${error.message}`, error)));
      worker.once('exit', (code) => reject(undecodable(`the HEIF decoder exited (code ${code}) without a result`)));
    });
  } finally {
    clearTimeout(timer);
    // Its WASM memory (hundreds of MB for a 12 MP photo) goes with the thread.
    void worker.terminate();
  }
}

function undecodable(message: string, cause?: unknown): PixelfrontError {
  return fail('corrupt_image', `the HEIC image does not decode: ${message.slice(0, 200)}`, { cause });
}
