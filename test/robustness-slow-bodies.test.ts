import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHealthy,
  expectNoLoggedErrors,
  expectNoTempFilesSoon,
  leftoverTempFiles,
  rawExchange,
  requestHead,
  send,
  startWatchedOrigin,
  type WatchedOrigin,
} from './helpers/robustness.ts';

/**
 * Slow clients over raw sockets (issue 14, item 9): a body that stops arriving is answered 408
 * `request_timeout` after BODY_IDLE_TIMEOUT_MS, a single upload that trickles in is cut at
 * UPLOAD_TIMEOUT_MS, their temp files are removed, and the process keeps serving. The timeouts
 * are short here (1 s and 3 s) so the test runs in seconds.
 */

const idleMs = 1_000;
const uploadMs = 3_000;
/** Timers fire late on a busy shared machine: generous, but far below "never". */
const slackMs = 2_500;

interface Timed {
  status: number | null;
  text: string;
  ms: number;
}

async function timedExchange(origin: WatchedOrigin, chunks: Uint8Array[], gapMs: number, timeoutMs = 20_000): Promise<Timed> {
  const started = performance.now();
  const answer = await rawExchange(origin.url, chunks, { then: 'wait', gapMs, timeoutMs });
  return { ...answer, ms: performance.now() - started };
}

function expectRequestTimeout(answer: Timed, what: string): void {
  expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(408);
  expect(answer.text, what).toMatch(/content-type: application\/problem\+json/i);
  expect(answer.text, what).toContain('"code":"request_timeout"');
  expect(answer.text, what).toContain('"status":408');
}

describe('slow request bodies', () => {
  let origin: WatchedOrigin;
  beforeAll(async () => {
    origin = await startWatchedOrigin({ BODY_IDLE_TIMEOUT_MS: String(idleMs), UPLOAD_TIMEOUT_MS: String(uploadMs) });
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectHealthy(origin);
  });

  it('answers 408 to many uploads whose bodies stop, removes their temp files and keeps serving', { timeout: 60_000 }, async () => {
    const head = requestHead('POST', '/v1/images', { 'content-type': 'image/png', 'content-length': String(1024 * 1024) });
    // 20 clients send the head and 10 bytes, then nothing for 8 s (far past the idle timeout).
    const clients = Array.from({ length: 20 }, () => timedExchange(origin, [head, randomBytes(10), randomBytes(10)], 8_000));
    // Meanwhile the temp files exist, and other requests are answered.
    await new Promise((resolve) => setTimeout(resolve, idleMs / 2));
    expect((await leftoverTempFiles(origin)).length).toBeGreaterThan(0);
    expect((await send(origin.url, { path: '/healthz' })).status).toBe(200);
    const answers = await Promise.all(clients);
    for (const [index, answer] of answers.entries()) {
      expectRequestTimeout(answer, `client ${index}`);
      expect(answer.ms, `client ${index}`).toBeLessThan(idleMs + slackMs);
    }
    console.log(
      `20 idle uploads answered 408 after ${Math.round(Math.min(...answers.map((a) => a.ms)))}–${Math.round(Math.max(...answers.map((a) => a.ms)))} ms`,
    );
    await expectNoTempFilesSoon(origin);
  });

  it('cuts a single upload that trickles in (never idle) at the upload deadline', { timeout: 30_000 }, async () => {
    const head = requestHead('POST', '/v1/images', { 'content-type': 'image/png', 'content-length': String(1024 * 1024) });
    // 10 bytes every 250 ms: never idle for 1 s, but 1 MiB would take 7 hours.
    const trickle = Array.from({ length: 60 }, () => randomBytes(10));
    const answer = await timedExchange(origin, [head, ...trickle], 250);
    expectRequestTimeout(answer, 'trickled upload');
    expect(answer.ms).toBeGreaterThan(uploadMs - 200);
    expect(answer.ms).toBeLessThan(uploadMs + slackMs);
    await expectNoTempFilesSoon(origin);
  });

  it('answers 408 to a multipart form whose file part stops', { timeout: 30_000 }, async () => {
    const boundary = 'slowboundary';
    const start = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n`,
    );
    const head = requestHead('POST', '/v1/images', {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(1024 * 1024),
    });
    const answer = await timedExchange(origin, [head, start, randomBytes(100), randomBytes(10)], 6_000);
    expectRequestTimeout(answer, 'stalled form');
    expect(answer.ms).toBeLessThan(idleMs + slackMs);
    await expectNoTempFilesSoon(origin);
  });

  it('answers 408 to a stalled part upload and a stalled JSON body', { timeout: 30_000 }, async () => {
    const created = await send(origin.url, {
      method: 'POST',
      path: '/v1/uploads',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'big.png' }),
    });
    expect(created.status, created.body.toString()).toBe(201);
    const { uploadId } = JSON.parse(created.body.toString()) as { uploadId: string };
    const part = await timedExchange(
      origin,
      [
        requestHead('PUT', `/v1/uploads/${uploadId}/parts/1`, { 'content-length': String(6 * 1024 * 1024) }),
        randomBytes(1000),
        randomBytes(10),
      ],
      6_000,
    );
    expectRequestTimeout(part, 'stalled part');
    expect(part.ms).toBeLessThan(idleMs + slackMs);

    const json = await timedExchange(
      origin,
      [
        requestHead('POST', '/v1/batches', { 'content-type': 'application/json', 'content-length': '500' }),
        Buffer.from('{"ids":'),
        Buffer.from('[]}'),
      ],
      6_000,
    );
    expectRequestTimeout(json, 'stalled JSON body');
    expect(json.ms).toBeLessThan(idleMs + slackMs);
    await expectNoTempFilesSoon(origin);
    // The stalled part was not recorded.
    const parts = await send(origin.url, { path: `/v1/uploads/${uploadId}` });
    expect(JSON.parse(parts.body.toString())).toMatchObject({ parts: [] });
  });
});
