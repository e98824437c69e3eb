import { request } from 'undici';
import type { LimitProcess } from '../limit.ts';
import type { UploadFigures } from '../report-types.ts';
import { sampleMemory } from '../rss.ts';
import { uploadInParts, withJpegComment } from '../origin-api.ts';
import { round } from '../stats.ts';

/**
 * Upload throughput: `files` distinct copies of one JPEG (each with its own COM segment, so
 * none deduplicates), sent `concurrency` at a time; MB/s is body bytes over wall time.
 */
export async function measureSingleUploads(
  origin: string,
  pid: number,
  jpeg: Buffer,
  files: number,
  concurrency: number,
): Promise<UploadFigures> {
  const bodies = Array.from({ length: files }, (_, index) => withJpegComment(jpeg, `pixelfront bench single ${Date.now()} ${index}`));
  return timed('single', pid, bodies, concurrency, async (body) => {
    const response = await request(`${origin}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body });
    await response.body.text();
    return response.statusCode === 201;
  });
}

/**
 * The upload limit beside the upload rows (bench/upload-limit.ts, in the limit runner's process):
 * as many files of the same JPEG, at the same concurrency, without HTTP, storage or catalog.
 */
export async function measureUploadLimit(
  limit: LimitProcess,
  jpeg: Buffer,
  files: number,
  concurrency: number,
  tempDir: string,
): Promise<UploadFigures> {
  const memory = sampleMemory(limit.pid);
  const reply = await limit.run({ upload: { files, concurrency, tempDir } });
  const peaks = await memory.stop();
  if (reply.error) throw new Error(`upload limit: ${reply.error}`);
  const ok = reply.samples.filter((sample) => sample.ok);
  const bytes = ok.reduce((sum, sample) => sum + sample.bytes, 0);
  return {
    kind: 'limit',
    files,
    bytes,
    concurrency,
    mbPerSecond: round(bytes / 1e6 / reply.seconds, 2),
    peakRssMiB: round(peaks.peakRss / 2 ** 20, 1),
    errors: reply.samples.length - ok.length,
    note: `sha256 + temp-file write + strict validation (${(jpeg.length / 1e6).toFixed(1)} MB JPEG), in-process`,
  };
}

interface UploadSession {
  uploadId: string;
  partSize: number;
}

/** S3-style multipart (POST /v1/uploads, PUT parts, complete), when the origin has it. */
export async function measureMultipartUploads(
  origin: string,
  pid: number,
  jpeg: Buffer,
  files: number,
  concurrency: number,
): Promise<UploadFigures> {
  const probe = await request(`${origin}/v1/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'probe.jpg', contentType: 'image/jpeg', size: jpeg.length }),
  });
  const probeText = await probe.body.text();
  if (probe.statusCode !== 201) {
    return {
      kind: 'multipart',
      files: 0,
      bytes: 0,
      concurrency,
      mbPerSecond: undefined,
      peakRssMiB: undefined,
      errors: 0,
      note: `skipped: POST /v1/uploads answered ${probe.statusCode} (not available in this build)`,
    };
  }
  const abandoned = JSON.parse(probeText) as UploadSession;
  await (await request(`${origin}/v1/uploads/${abandoned.uploadId}`, { method: 'DELETE' })).body.text();
  const bodies = Array.from({ length: files }, (_, index) => withJpegComment(jpeg, `pixelfront bench multipart ${Date.now()} ${index}`));
  return timed('multipart', pid, bodies, concurrency, async (body) => {
    await uploadInParts(origin, {
      filename: 'bench.jpg',
      size: body.length,
      readPart: async (offset, length) => body.subarray(offset, offset + length),
      // Parts smaller than the server's size would be refused by S3-style backends: use its partSize, at most 4 parts.
      partSize: (offered) => Math.max(offered, Math.ceil(body.length / 4)),
    });
    return true;
  });
}

async function timed(
  kind: UploadFigures['kind'],
  pid: number,
  bodies: Buffer[],
  concurrency: number,
  send: (body: Buffer) => Promise<boolean>,
): Promise<UploadFigures> {
  const memory = sampleMemory(pid);
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        if (body && !(await send(body).catch(() => false))) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const peaks = await memory.stop();
  const bytes = bodies.reduce((sum, body) => sum + body.length, 0);
  return {
    kind,
    files: bodies.length,
    bytes,
    concurrency,
    mbPerSecond: round(bytes / 1e6 / seconds, 2),
    peakRssMiB: round(peaks.peakRss / 2 ** 20, 1),
    errors,
  };
}
