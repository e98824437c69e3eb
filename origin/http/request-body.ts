import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { Context } from 'hono';
import type { z } from 'zod';
import { fail } from '../../core/errors.ts';

/**
 * Request bodies as the origin reads them: streamed, bounded, and refused early when the client
 * already declares too much. No route buffers a body it has not bounded.
 */

export interface BodyTimeouts {
  /** The client sent nothing for this long while the server waited for more: 408. */
  idleMs: number;
  /** The whole body must have arrived this long after reading began (single uploads): 408. */
  deadlineMs?: number;
}

/**
 * The body as a Node stream; no body reads as empty. A client that stops sending (a slow-loris
 * upload) fails the stream with 408 `request_timeout` after `idleMs`, so the consumer removes its
 * temp file and the request answers instead of holding a socket and a file for ever. Time is
 * counted only while the consumer waits for bytes: a consumer slowed by its own backend is not
 * an idle client.
 */
export function requestStream(c: Context, timeouts: BodyTimeouts): Readable {
  const body = c.req.raw.body;
  if (!body) return Readable.from([]);
  const stream = Readable.from(guardedChunks(body as NodeWebStream<Uint8Array>, timeouts), { objectMode: false });
  // A client gone before a consumer is attached must not be an unhandled 'error' event; the
  // consumers (pipeline, busboy, the part meter) see the errored stream.
  stream.on('error', () => undefined);
  return stream;
}

async function* guardedChunks(body: NodeWebStream<Uint8Array>, timeouts: BodyTimeouts): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  const deadline = timeouts.deadlineMs === undefined ? Infinity : Date.now() + timeouts.deadlineMs;
  let timedOut = false;
  try {
    for (;;) {
      const left = deadline - Date.now();
      const waitMs = Math.min(timeouts.idleMs, left);
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => {
            timedOut = true;
            reject(
              waitMs < timeouts.idleMs
                ? fail('request_timeout', `the body did not arrive within ${timeouts.deadlineMs ?? 0} ms`)
                : fail('request_timeout', `the client sent no body bytes for ${timeouts.idleMs} ms`),
            );
          },
          Math.max(0, waitMs),
        );
      });
      try {
        const { done, value } = await Promise.race([reader.read(), expired]);
        if (done) return;
        yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    // A consumer that stops early (a size limit) releases the body as before; a timed-out one
    // leaves it, since cancelling would reset the socket before the 408 is written. The server
    // drains and closes that connection after the answer.
    if (!timedOut) await reader.cancel().catch(() => undefined);
  }
}

/** Refuse before reading a byte when Content-Length already says the body is too large. */
export function rejectDeclaredOversize(c: Context, maxBytes: number): void {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw fail('payload_too_large', `a body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** Reads a JSON body of at most `maxBytes`; an empty body is `{}`. */
export async function readJsonBody(c: Context, maxBytes: number, timeouts: BodyTimeouts): Promise<unknown> {
  rejectDeclaredOversize(c, maxBytes);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of requestStream(c, timeouts) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw fail('payload_too_large', `the JSON body may be at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail('invalid_request', 'the body is not valid JSON');
  }
}

/** Validates a parsed body; the error names the expected shape and the first problem. */
export function parseJsonBody<T>(schema: z.ZodType<T>, value: unknown, shape: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw fail('invalid_request', `expected ${shape}${issue ? `: ${issue.path.join('.') || 'body'}: ${issue.message}` : ''}`);
}
