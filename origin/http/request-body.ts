import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { Context } from 'hono';
import type { z } from 'zod';
import { fail } from '../../core/errors.ts';

/**
 * Request bodies as the origin reads them: streamed, bounded, and refused early when the client
 * already declares too much. No route buffers a body it has not bounded.
 */

/** The body as a Node stream; no body reads as empty. */
export function requestStream(c: Context): Readable {
  const body = c.req.raw.body;
  if (!body) return Readable.from([]);
  const stream = Readable.fromWeb(body as NodeWebStream<Uint8Array>);
  // A client gone before a consumer is attached must not be an unhandled 'error' event; the
  // consumers (pipeline, busboy, the part meter) see the errored stream.
  stream.on('error', () => undefined);
  return stream;
}

/** Refuse before reading a byte when Content-Length already says the body is too large. */
export function rejectDeclaredOversize(c: Context, maxBytes: number): void {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw fail('payload_too_large', `a body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** Reads a JSON body of at most `maxBytes`; an empty body is `{}`. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  rejectDeclaredOversize(c, maxBytes);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of requestStream(c) as AsyncIterable<Buffer>) {
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
