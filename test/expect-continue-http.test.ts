import { connect } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

interface Exchange {
  /** Whether the server sent `100 Continue` before its final answer. */
  continued: boolean;
  status: number;
}

/**
 * Sends the request head with `Expect: 100-continue`, sends the body only if the server says
 * `100 Continue`, and resolves with the final status: what curl and most clients do.
 */
function expectContinue(
  base: string,
  head: { method: string; path: string; headers: Record<string, string> },
  body: Buffer,
): Promise<Exchange> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let continued = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no final answer within 10 s; received: ${JSON.stringify(text)}`));
    }, 10_000);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!continued && /^HTTP\/1\.1 100 /m.test(text)) {
        continued = true;
        socket.write(body);
      }
      const final = /^HTTP\/1\.1 ([2-5]\d\d) /m.exec(text);
      if (final) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ continued, status: Number(final[1]) });
      }
    });
    const lines = Object.entries({ host: url.host, expect: '100-continue', connection: 'close', ...head.headers }).map(
      ([name, value]) => `${name}: ${value}`,
    );
    socket.write(`${head.method} ${head.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** Issue 14 item 12: a body the server will refuse is never asked for with `100 Continue`. */
describe('Expect: 100-continue', () => {
  let origin: TestOrigin;
  let png: Buffer;
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: 'acme:acme-secret-key', MAX_UPLOAD_BYTES: '200000' });
    png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
  });
  afterAll(() => origin.destroy());

  const upload = (headers: Record<string, string>, body: Buffer) =>
    expectContinue(origin.url, { method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png', ...headers } }, body);

  it('answers 413 without 100 Continue when Content-Length is over the limit', async () => {
    const exchange = await upload({ authorization: 'Bearer acme-secret-key', 'content-length': '50000000' }, Buffer.alloc(0));
    expect(exchange).toEqual({ continued: false, status: 413 });
  });

  it('answers 401 without 100 Continue when the credentials are missing', async () => {
    const exchange = await upload({ 'content-length': String(png.length) }, png);
    expect(exchange).toEqual({ continued: false, status: 401 });
  });

  it('sends 100 Continue to an upload it accepts, and stores it', async () => {
    const exchange = await upload({ authorization: 'Bearer acme-secret-key', 'content-length': String(png.length) }, png);
    expect(exchange).toEqual({ continued: true, status: 201 });
  });
});
