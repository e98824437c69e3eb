// SSIM of candidate encodes against one reference, in a worker thread (ssim-scorer.ts starts it):
// ssim.js is synchronous JavaScript (~60 ms for 800 × 650 px on this 2-core box), which must not
// run on the event loop. Plain JavaScript, so `node dist/...` runs it as it is.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const { ssim } = createRequire(import.meta.url)('ssim.js');

const { width, height } = workerData;
const reference = { data: new Uint8ClampedArray(workerData.reference), width, height };
// Bezkrovny's variant: non-overlapping 11 × 11 windows, within ~1 % of the MATLAB reference and
// ~7× faster than the Gaussian one. No downsampling: the output is judged at the size it is
// delivered, where the MATLAB default (÷3 at 800 px) would hide the very artefacts q trades.
const options = { ssim: 'bezkrovny', downsample: false };

parentPort.on('message', ({ id, pixels }) => {
  try {
    const { mssim } = ssim(reference, { data: new Uint8ClampedArray(pixels), width, height }, options);
    parentPort.postMessage({ id, ok: true, score: mssim });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, message: String(error?.message ?? error) });
  }
});
