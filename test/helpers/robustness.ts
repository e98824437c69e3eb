import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { mkdtemp, readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import { errorCatalogue } from '../../core/errors.ts';
import { createLogger } from '../../origin/logger.ts';
import { startTestOrigin, type TestOrigin } from './origin.ts';

/**
 * Shared machinery of the robustness (property) tests: a real origin whose unexpected errors
 * are captured, a client that sends exactly the bytes it is given, and the invariants every
 * response and every rejected upload must satisfy.
 */

/** ROBUSTNESS_SCALE=10 runs every property ten times longer (a bug hunt); the default fits CI. */
const scale = Number(process.env['ROBUSTNESS_SCALE'] ?? '1') || 1;
export const runs = (n: number): number => Math.max(1, Math.round(n * scale));

export interface WatchedOrigin extends TestOrigin {
  /** Every `error` line the origin logged (an unexpected error is a bug the test names). */
  errors: string[];
}

export async function startWatchedOrigin(env: Record<string, string> = {}): Promise<WatchedOrigin> {
  const errors: string[] = [];
  const origin = await startTestOrigin(
    { DATA_DIR: await mkdtemp(join(tmpdir(), 'pixelfront-robust-')), ...env },
    createLogger('error', (line) => errors.push(line)),
  );
  return Object.assign(origin, { errors });
}

export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One request through node:http with the path sent verbatim (fetch would normalise `..` and
 * re-encode), so the server sees exactly what a hostile client can send.
 */
export function send(
  base: string,
  init: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: Uint8Array | string },
): Promise<PlainResponse> {
  const url = new URL(base);
  // An explicit length: node:http would otherwise send a GET body unframed.
  const length = init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: init.method ?? 'GET',
        path: init.path,
        headers: { connection: 'close', ...length, ...init.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

/**
 * Writes raw bytes on a TCP connection and reads whatever comes back until the server closes
 * it (or `timeoutMs`), `gapMs` apart. `then: 'destroy'` resets the connection right after writing, as a
 * client that goes away mid-request does; `'half-close'` ends our side and waits for an answer.
 */
export function rawExchange(
  base: string,
  chunks: readonly Uint8Array[],
  options: { then?: 'wait' | 'half-close' | 'destroy'; timeoutMs?: number; gapMs?: number } = {},
): Promise<{ status: number | null; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const received: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: match?.[1] ? Number(match[1]) : null, text });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, options.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', done);
    socket.on('error', () => undefined); // a reset after our own destroy is expected
    socket.on('connect', () => {
      void (async () => {
        for (const [index, chunk] of chunks.entries()) {
          if (index > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
          if (socket.destroyed) return;
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
        }
        if (options.then === 'destroy') socket.destroy();
        else if (options.then === 'half-close') socket.end();
      })().catch(reject);
    });
  });
}

/** The head of a raw HTTP/1.1 request (Connection: close), ready to be followed by a body. */
export function requestHead(method: string, path: string, headers: Record<string, string>): Buffer {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'host: localhost',
    'connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

const codes = new Set(Object.keys(errorCatalogue));

/**
 * The response contract for anything a client sends: below 500, or 503 `overloaded` with
 * Retry-After; every 4xx (and the 503) a problem+json body whose `code` is in the catalogue
 * and whose `status` is the response's.
 */
export function expectWellFormed(response: PlainResponse, what: string, method = 'GET'): void {
  const context = `${what} → ${response.status} ${response.body.toString('utf8').slice(0, 300)}`;
  if (response.status >= 500) {
    expect(response.status, context).toBe(503);
    expect(response.headers['retry-after'], context).toBeDefined();
  }
  if (response.status < 400 || method === 'HEAD') return;
  expect(response.headers['content-type'], context).toContain('application/problem+json');
  const problem = JSON.parse(response.body.toString('utf8')) as { code?: string; status?: number };
  expect(codes.has(problem.code ?? ''), context).toBe(true);
  expect(problem.status, context).toBe(response.status);
  if (response.status >= 500) expect(problem.code, context).toBe('overloaded');
}

/** Fails with the origin's own log when it reported an unexpected error. */
export function expectNoLoggedErrors(origin: WatchedOrigin): void {
  expect(origin.errors, origin.errors.join('\n').slice(0, 4000)).toEqual([]);
}

/** Scratch files a request may have left: upload temp files and storage's own temp dir. */
export async function leftoverTempFiles(origin: WatchedOrigin): Promise<string[]> {
  // Variant write-backs run after their response: one in progress is not a leftover.
  await origin.services.variants.settled();
  const dirs = [join(origin.dataDir, 'tmp'), join(origin.dataDir, 'objects', '.tmp')];
  const found: string[] = [];
  for (const dir of dirs) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    found.push(...entries.map((entry) => join(dir, entry)));
  }
  return found;
}

/** Waits (briefly) for temp files to go: a connection reset reaches the server asynchronously. */
export async function expectNoTempFilesSoon(origin: WatchedOrigin, withinMs = 3_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let left = await leftoverTempFiles(origin);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = await leftoverTempFiles(origin);
  }
  expect(left).toEqual([]);
}

export async function storedKeys(origin: WatchedOrigin, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of origin.services.storage.list(prefix)) keys.push(object.key);
  return keys;
}

/** Everything a rejected request must leave unchanged. */
export interface StoreSnapshot {
  rows: number;
  originals: string[];
}

export async function snapshot(origin: WatchedOrigin, headers: Record<string, string> = {}): Promise<StoreSnapshot> {
  let rows = 0;
  let cursor = '';
  for (;;) {
    const page = await send(origin.url, { path: `/v1/images?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers });
    expect(page.status).toBe(200);
    const body = JSON.parse(page.body.toString('utf8')) as { items: unknown[]; next: string | null };
    rows += body.items.length;
    if (!body.next) break;
    cursor = body.next;
  }
  return { rows, originals: await storedKeys(origin, 'originals/') };
}

let colourSeed = 0;

/** A small PNG no upload has sent before (so it is never deduplicated). */
export async function freshPng(width = 24, height = 16): Promise<Buffer> {
  colourSeed += 1;
  const channel = (shift: number) => (colourSeed >> shift) & 0xff;
  return sharp({ create: { width, height, channels: 3, background: { r: channel(0), g: channel(8), b: channel(16) ^ 0x5a } } })
    .png()
    .toBuffer();
}

/** The service still does its job: live, and a new upload renders. */
export async function expectHealthy(origin: WatchedOrigin, headers: Record<string, string> = {}): Promise<void> {
  const live = await send(origin.url, { path: '/healthz' });
  expect(live.status).toBe(200);
  const upload = await send(origin.url, {
    method: 'POST',
    path: '/v1/images',
    headers: { 'content-type': 'image/png', ...headers },
    body: await freshPng(),
  });
  expect(upload.status, upload.body.toString('utf8')).toBe(201);
  const { id } = JSON.parse(upload.body.toString('utf8')) as { id: string };
  const render = await send(origin.url, { path: `/img/${id}/w_10,f_webp` });
  expect(render.status).toBe(200);
  expect(render.headers['content-type']).toBe('image/webp');
  const meta = await sharp(render.body).metadata();
  expect([meta.format, meta.width]).toEqual(['webp', 10]);
}
