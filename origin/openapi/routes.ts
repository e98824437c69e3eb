import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { etagMatches } from '../../core/conditional.ts';
import { fail } from '../../core/errors.ts';
import { openApiDocument } from './document.ts';

/**
 * `GET /v1/openapi.json` (the document, public like the API's shape) and `GET /docs`, a Swagger UI
 * reference page served from the swagger-ui-dist package, never a CDN. The page has no inline
 * script: its start-up code is a file of its own, so the CSP allows scripts from this origin only.
 */

/** Like the console's CSP; Swagger UI sets element styles from script, and its icons are data: URLs. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>pixelfront API reference</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="docs"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/start.js"></script>
  </body>
</html>
`;

const start = `// Renders the reference of this service's own document.
window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#docs', deepLinking: true, tryItOutEnabled: false });
`;

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

const packageFile = createRequire(import.meta.url);

function staticFile(body: string | Buffer, type: string): StaticFile {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body);
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
}

/** Read once, on first use: the bundle is 1.5 MB and most processes never serve it. */
let files: Map<string, StaticFile> | undefined;
function docsFiles(): Map<string, StaticFile> {
  files ??= new Map([
    ['', staticFile(page, 'text/html; charset=utf-8')],
    ['start.js', staticFile(start, 'text/javascript; charset=utf-8')],
    ['swagger-ui.css', staticFile(readFileSync(packageFile.resolve('swagger-ui-dist/swagger-ui.css')), 'text/css; charset=utf-8')],
    [
      'swagger-ui-bundle.js',
      staticFile(readFileSync(packageFile.resolve('swagger-ui-dist/swagger-ui-bundle.js')), 'text/javascript; charset=utf-8'),
    ],
  ]);
  return files;
}

function serve(c: Context, name: string): Response {
  const file = docsFiles().get(name);
  if (!file) throw fail('not_found', `no docs file ${name.slice(0, 80)}`);
  const headers = {
    'content-type': file.type,
    // Revalidated, not immutable: the names do not change with a new version of the package.
    'cache-control': 'no-cache',
    etag: file.etag,
    'content-security-policy': DOCS_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
  if (etagMatches(c.req.header('if-none-match'), file.etag)) return c.body(null, 304, headers);
  return c.body(file.body, 200, headers);
}

export function openApiJson(c: Context): Response {
  return c.json(openApiDocument(), 200, { 'cache-control': 'no-cache' });
}

export function docsRoutes() {
  const app = new Hono();
  app.use('*', compress());
  app.get('/', (c) => serve(c, ''));
  app.get('/:file', (c) => serve(c, c.req.param('file')));
  return app;
}
