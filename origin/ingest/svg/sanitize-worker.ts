/**
 * The worker-thread side of svg-pool.ts: sanitises one document per message. Errors travel back
 * as their public code and message (a PixelfrontError does not survive structured cloning).
 */
import { parentPort } from 'node:worker_threads';
import { isPixelfrontError } from '../../../core/errors.ts';
import { sanitizeSvg, type SvgLimits } from './sanitize.ts';

export interface SanitizeRequest {
  input: Uint8Array;
  limits: SvgLimits;
}

/** The document as UTF-8 bytes: moved to the main thread (transferred), not copied there. */
export type SanitizeReply = { ok: true; svg: Uint8Array } | { ok: false; code: string; message: string };

parentPort?.on('message', ({ input, limits }: SanitizeRequest) => {
  let reply: SanitizeReply;
  try {
    // TextEncoder gives the bytes an ArrayBuffer of their own, safe to transfer.
    const svg = new TextEncoder().encode(sanitizeSvg(Buffer.from(input.buffer, input.byteOffset, input.byteLength), limits));
    parentPort?.postMessage({ ok: true, svg } satisfies SanitizeReply, [svg.buffer]);
    return;
  } catch (error) {
    reply = isPixelfrontError(error)
      ? { ok: false, code: error.code, message: error.message }
      : { ok: false, code: 'internal', message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
