import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { etagMatches } from '../../core/conditional.ts';
import { fail } from '../../core/errors.ts';
import { IMMUTABLE } from '../delivery/headers.ts';

/**
 * The console's Content-Security-Policy: scripts and styles only from the origin's own files (no
 * inline script anywhere in the build), images from the origin or made in the page (previews of
 * files about to be uploaded are blob: and data: URLs), requests only to the origin and to the
 * page's own blob: URLs. The upload's image editor (Cropper.js) reads a JPEG's EXIF orientation by
 * fetching the file's blob: URL; such a URL names bytes this page already holds, so allowing it
 * lets nothing in or out. Uppy's styles are a hashed CSS file, and the inline styles it and the
 * editor set go through the CSSOM (element.style), which style-src does not govern: style-src
 * stays 'self', without 'unsafe-inline'.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Hashed build output (Vite's `assets/`): its names change with its content. */
const ASSETS = 'assets/';
const safeSegment = /^[A-Za-z0-9_.-]+$/;

/**
 * `/console/*` from the built single-page app in `dir` (`npm run console:build`): hashed assets
 * cached for a year, `index.html` revalidated on every load (`no-cache` with a strong ETag) so a
 * new deployment is picked up at once, and any other path under `/console/` answered with
 * `index.html` so the page's own routes survive a reload.
 */
export function consoleRoutes(dir: string) {
  const app = new Hono();
  app.use('*', compress());
  app.get('/*', async (c) => {
    const rest = c.req.path.slice('/console/'.length);
    const segments = rest.split('/');
    const plain = segments.every((segment) => safeSegment.test(segment) && segment !== '.' && segment !== '..');
    if (rest.startsWith(ASSETS)) {
      if (!plain) throw fail('not_found', `no console asset ${rest}`);
      return serveFile(c, dir, rest);
    }
    if (plain && extname(rest) !== '' && (await isFile(join(dir, rest)))) return serveFile(c, dir, rest);
    return serveFile(c, dir, 'index.html');
  });
  return app;
}

async function serveFile(c: Context, dir: string, name: string): Promise<Response> {
  let body: Buffer;
  try {
    body = await readFile(join(dir, name));
  } catch {
    if (name === 'index.html') throw fail('unavailable', `the console is not built in ${dir}: run npm run console:build`);
    throw fail('not_found', `no console file ${name}`);
  }
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers: Record<string, string> = {
    'content-type': contentTypes[extname(name)] ?? 'application/octet-stream',
    'cache-control': name.startsWith(ASSETS) ? IMMUTABLE : 'no-cache',
    etag,
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
  if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  return c.body(new Uint8Array(body), 200, headers);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}
