import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake Cloudflare API received. */
export interface ReceivedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

export type FakeAnswer = { status: number; body?: unknown } | 'hang';

/**
 * A local stand-in for Cloudflare's API for tests (never the real network): records every call
 * and answers each with `answer(callNumber)` (1-based); 'hang' never answers.
 */
export async function startFakeCloudflare(answer: (call: number) => FakeAnswer = () => ({ status: 200 })) {
  const calls: ReceivedCall[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Recorded as text.
      }
      calls.push({
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body,
      });
      const reply = answer(calls.length);
      if (reply === 'hang') {
        hanging.add(response);
        return;
      }
      const ok = reply.status < 300;
      const payload = reply.body ?? {
        success: ok,
        errors: ok ? [] : [{ code: 1000, message: 'fake failure' }],
        messages: [],
        result: ok ? { id: 'fake' } : null,
      };
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    calls,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
