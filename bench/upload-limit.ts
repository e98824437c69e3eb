import { Readable } from 'node:stream';
import { loadConfig } from '../origin/config.ts';
import type { SvgSanitizer } from '../origin/ingest/svg/svg-pool.ts';
import { inspectAndDecode } from '../origin/ingest/inspect.ts';
import { receiveToTempFile } from '../origin/ingest/receive.ts';
import { withJpegComment } from './origin-api.ts';
import type { Sample } from './stats.ts';

/** The upload limit's job: `files` distinct copies of a JPEG, `concurrency` at a time, into `tempDir`. */
export interface UploadLimitJob {
  upload: { files: number; concurrency: number; tempDir: string };
}

/** The bench uploads JPEGs only: a drawing reaching the limit is a bench bug. */
function noSvg(limits: SvgSanitizer['limits']): SvgSanitizer {
  return { limits, sanitize: () => Promise.reject(new Error('the upload limit takes no SVG')), close: () => Promise.resolve() };
}

/**
 * The upload limit (issue 20): what an upload cannot do without, in-process and without HTTP —
 * the origin's own receive (sha256 while writing the temp file) and its strict validation
 * (inspectAndDecode with the config's limits and LADDER_SIZES, the single decode ingest makes),
 * then the temp file removed. Not in it: the original's copy into storage, the mezzanine and
 * placeholder encodes, the perceptual hash, the EXIF read and the catalog row.
 */
export async function runUploadLimit(jpeg: Buffer, job: UploadLimitJob['upload']): Promise<{ samples: Sample[]; seconds: number }> {
  const config = loadConfig(process.env);
  const svg = noSvg(config.svgLimits);
  const bodies = Array.from({ length: job.files }, (_, index) =>
    withJpegComment(jpeg, `pixelfront bench upload limit ${Date.now()} ${index}`),
  );
  const samples: Sample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] ?? Buffer.alloc(0);
      const started = performance.now();
      try {
        const file = await receiveToTempFile(Readable.from([body]), { tempDir: job.tempDir, maxBytes: config.maxUploadBytes });
        try {
          await inspectAndDecode(file.path, {
            maxInputPixels: config.maxInputPixels,
            timeoutMs: config.renderTimeoutMs,
            ladderSizes: config.ladderSizes,
            svg,
          });
        } finally {
          await file.discard();
        }
        samples.push({ ms: performance.now() - started, bytes: body.length, ok: true });
      } catch {
        samples.push({ ms: performance.now() - started, bytes: 0, ok: false });
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { samples, seconds: (performance.now() - started) / 1000 };
}
