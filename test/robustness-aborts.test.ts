import { readdir } from 'node:fs/promises';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectHealthy,
  expectNoLoggedErrors,
  expectNoTempFilesSoon,
  rawExchange,
  requestHead,
  runs,
  send,
  snapshot,
  startWatchedOrigin,
  storedKeys,
  type WatchedOrigin,
} from './helpers/robustness.ts';

/**
 * Clients that go away mid-request: an upload cut off (raw, bulk form, multipart part) and a
 * download dropped while it streams or renders. The origin must stay up and healthy, leak no
 * temp file and leave nothing half-written in storage or the catalog.
 */

describe('clients that abort mid-request', () => {
  let origin: WatchedOrigin;
  let big: Buffer;
  let bigId = '';
  beforeAll(async () => {
    origin = await startWatchedOrigin();
    // Noise does not compress: about 3 MB, enough that a download is still streaming when cut.
    big = await sharp({
      create: { width: 1000, height: 1000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const upload = await send(origin.url, { method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png' }, body: big });
    expect(upload.status).toBe(201);
    bigId = (JSON.parse(upload.body.toString('utf8')) as { id: string }).id;
  });
  afterAll(() => origin.destroy());
  afterEach(async () => {
    expectNoLoggedErrors(origin);
    await expectNoTempFilesSoon(origin);
    await expectHealthy(origin);
  });

  /** A body sent up to `cut` of its length, then the connection reset or half-closed. */
  const cutOff = fc.record({
    cut: fc.double({ min: 0, max: 0.99, noNaN: true }),
    then: fc.constantFrom<'destroy' | 'half-close'>('destroy', 'half-close'),
    pauseMs: fc.integer({ min: 0, max: 30 }),
  });

  /** The head, half the cut body, a pause (the handler is reading by then), the rest, the cut. */
  function sendCut(head: Buffer, body: Buffer, { cut, then, pauseMs }: { cut: number; then: 'destroy' | 'half-close'; pauseMs: number }) {
    const sent = body.subarray(0, Math.floor(body.length * cut));
    const chunks = [head, sent.subarray(0, sent.length >> 1), sent.subarray(sent.length >> 1)];
    return rawExchange(origin.url, chunks, { then, gapMs: pauseMs, timeoutMs: 3_000 });
  }

  it('keeps nothing of a raw upload cut off mid-body', async () => {
    await fc.assert(
      fc.asyncProperty(cutOff, async (how) => {
        const before = await snapshot(origin);
        const head = requestHead('POST', '/v1/images', { 'content-type': 'image/png', 'content-length': String(big.length + 7) });
        const unique = Buffer.concat([big, Buffer.from(`${Math.random()}`.slice(0, 7))]);
        const answer = await sendCut(head, unique, how);
        if (answer.status !== null) expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        await expectNoTempFilesSoon(origin);
        expect(await snapshot(origin)).toEqual(before);
      }),
      { numRuns: runs(12), examples: [[{ cut: 0, then: 'destroy', pauseMs: 0 }]] },
    );
  });

  it('keeps nothing of a bulk form cut off in its second file', async () => {
    await fc.assert(
      fc.asyncProperty(cutOff, async (how) => {
        const before = await snapshot(origin);
        const first = await sharp({
          create: { width: 20, height: 20, channels: 3, background: { r: Math.floor(Math.random() * 255), g: 1, b: 2 } },
        })
          .png()
          .toBuffer();
        const part = (name: string, bytes: Buffer) =>
          Buffer.concat([
            Buffer.from(`--cut\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: image/png\r\n\r\n`),
            bytes,
            Buffer.from('\r\n'),
          ]);
        const form = Buffer.concat([part('a.png', first), part('b.png', big), Buffer.from('--cut--\r\n')]);
        const head = requestHead('POST', '/v1/images', {
          'content-type': 'multipart/form-data; boundary=cut',
          'content-length': String(form.length),
        });
        // Always past the first file, so one file is complete on disk when the body stops.
        const cut = (first.length + 200 + how.cut * big.length) / form.length;
        const answer = await sendCut(head, form, { ...how, cut });
        if (answer.status !== null) expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        await expectNoTempFilesSoon(origin);
        expect(await snapshot(origin)).toEqual(before);
      }),
      { numRuns: runs(10), examples: [[{ cut: 0, then: 'destroy', pauseMs: 0 }]] },
    );
  });

  it('keeps no part of a multipart upload part cut off mid-body, and the upload still completes', async () => {
    const created = await send(origin.url, {
      method: 'POST',
      path: '/v1/uploads',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'cut.png' }),
    });
    expect(created.status, created.body.toString('utf8')).toBe(201);
    const { uploadId } = JSON.parse(created.body.toString('utf8')) as { uploadId: string };
    await fc.assert(
      fc.asyncProperty(cutOff, fc.boolean(), async (how, chunked) => {
        const headers: Record<string, string> = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(big.length) };
        const head = requestHead('PUT', `/v1/uploads/${uploadId}/parts/1`, headers);
        // A chunked body: one chunk of what is sent, never the terminating 0-chunk.
        const body = chunked ? Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big]) : big;
        const answer = await sendCut(head, body, how);
        if (answer.status !== null) expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        await expectNoTempFilesSoon(origin);
        const state = await send(origin.url, { path: `/v1/uploads/${uploadId}` });
        expect((JSON.parse(state.body.toString('utf8')) as { parts: unknown[] }).parts).toEqual([]);
        expect(await storedKeys(origin, `uploads/${uploadId}/`)).toEqual([]);
      }),
      // Gone right after the headers: while the route still reads the upload row.
      { numRuns: runs(10), examples: [[{ cut: 0, then: 'destroy', pauseMs: 0 }, false]] },
    );
    const sendPart = await send(origin.url, { method: 'PUT', path: `/v1/uploads/${uploadId}/parts/1`, body: big });
    expect(sendPart.status, sendPart.body.toString('utf8')).toBe(200);
    const done = await send(origin.url, {
      method: 'POST',
      path: `/v1/uploads/${uploadId}/complete`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    // The same bytes as the image uploaded in beforeAll: deduplicated to it.
    expect(done.status, done.body.toString('utf8')).toBe(200);
    expect((JSON.parse(done.body.toString('utf8')) as { id: string }).id).toBe(bigId);
  });

  it('survives downloads dropped while the original streams or a variant renders, and stores only whole variants', async () => {
    // The origin runs in this process: its open files are ours to count.
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const filesBefore = await openFiles();
    const targets = [
      `/img/${bigId}`,
      `/img/${bigId}/w_900,f_avif`,
      `/img/${bigId}/w_700,e_blur:20,f_png`,
      `/img/${bigId}/c_fill,w_800,h_300,g_entropy,f_webp`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 3 }),
        async (path, afterMs, parallel) => {
          const head = requestHead('GET', path, { accept: 'image/avif,image/webp' });
          // `parallel` more clients drop the same URL: single-flight renders lose their waiters.
          await Promise.all(
            Array.from({ length: parallel + 1 }, () => rawExchange(origin.url, [head], { then: 'wait', timeoutMs: afterMs })),
          );
        },
      ),
      { numRuns: runs(16) },
    );
    // Renders the dropped clients started go on; wait for them before judging storage.
    const { variants } = origin.services;
    while (variants.gate.inFlight + variants.gate.queued > 0) await new Promise((r) => setTimeout(r, 20));
    await variants.settled();
    for (const key of await storedKeys(origin, `variants/${bigId}/`)) {
      const stored = await origin.services.storage.get(key);
      expect(stored, key).not.toBeNull();
      const chunks: Buffer[] = [];
      for await (const chunk of stored?.body ?? []) chunks.push(chunk as Buffer);
      const meta = await sharp(Buffer.concat(chunks)).metadata();
      expect(meta.width, key).toBeGreaterThan(0);
    }
    // Dropped downloads must close the originals they were streaming (a little slack for sockets closing).
    await new Promise((r) => setTimeout(r, 200));
    expect(await openFiles()).toBeLessThanOrEqual(filesBefore + 4);
    const whole = await send(origin.url, { path: `/img/${bigId}` });
    expect(whole.body.equals(big)).toBe(true);
  });
});
