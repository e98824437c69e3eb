/**
 * The worker-thread side of svg-pool.ts: sanitises one document per message. Errors travel back
 * as their public code and message (a PixelfrontError does not survive structured cloning).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { isPixelfrontError } from '../../../core/errors.ts';
import { sanitizeSvg, type SvgLimits } from './sanitize.ts';

export interface SanitizeRequest {
  input: Uint8Array;
  limits: SvgLimits;
}

/** The document as UTF-8 bytes: moved to the main thread (transferred), not copied there. */
export type SanitizeReply = { ok: true; svg: Uint8Array } | { ok: false; code: string; message: string };

/**
 * Runs this thread below the event loop's priority, so on a busy host the scheduler gives the
 * main thread its turn first. On Linux a thread has its own id and nice value (`/proc/thread-self`
 * names it); elsewhere this is skipped and the thread runs at the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 10);
  } catch {
    // Not Linux, or not permitted: the default priority.
  }
}

lowerThreadPriority();

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
