// JPEG XL encodes in a long-lived worker thread (origin/jxl/encoder-pool.ts keeps a few). libjxl
// compiled to WebAssembly (npm `@jsquash/jxl`, its single-threaded build): plain JavaScript, so
// `node dist/...` runs it as it is. A WASM abort or out-of-memory ends this thread only; the pool
// then starts another.
import { parentPort, workerData } from 'node:worker_threads';
import encode, { init } from '@jsquash/jxl/encode.js';

// The pool compiled the module once and handed it over: Emscripten's own loader would fetch() a
// file: URL, which Node cannot, and every thread then shares the one compiled machine code.
await init(workerData.module);

parentPort.on('message', (job) => {
  const image = { data: new Uint8ClampedArray(job.pixels), width: job.width, height: job.height };
  encode(image, { quality: job.quality, effort: job.effort }).then(
    (encoded) => parentPort.postMessage({ ok: true, data: encoded }, [encoded]),
    (error) => parentPort.postMessage({ ok: false, message: `the JPEG XL encoder failed: ${String(error?.message ?? error)}` }),
  );
});
parentPort.postMessage({ ready: true });
