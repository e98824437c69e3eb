/**
 * A stand-in origin for the workerd tests: it replaces `fetch` in the test isolate (the Worker
 * runs in the same isolate), records every request the edge sends, and answers like the real
 * origin's delivery contract (ETag, immutable Cache-Control, Vary: Accept for f_auto, a format
 * chosen from the Accept it receives). Modes simulate an origin that is down or slow.
 */
import { vi } from 'vitest';

export interface OriginCall {
  origin: string;
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: Uint8Array | null;
}

export type OriginMode = 'up' | 'down' | 'hang';

type Responder = (request: Request, call: OriginCall) => Response | Promise<Response>;

export class FakeOrigin {
  readonly calls: OriginCall[] = [];
  /** Per-origin mode; origins not listed are 'up'. */
  readonly modes = new Map<string, OriginMode>();
  private readonly routes: { prefix: string; respond: Responder }[] = [];

  constructor(readonly origins: readonly string[]) {}

  install(): void {
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) =>
      this.handle(new Request(input, init), init?.signal ?? undefined),
    );
  }

  /** Answer requests whose path starts with `prefix` with `respond` (checked before the image route). */
  on(prefix: string, respond: Responder): void {
    this.routes.push({ prefix, respond });
  }

  callsTo(pathPrefix: string): OriginCall[] {
    return this.calls.filter((call) => call.path.startsWith(pathPrefix));
  }

  private async handle(request: Request, signal: AbortSignal | undefined): Promise<Response> {
    const url = new URL(request.url);
    if (!this.origins.includes(url.origin)) throw new TypeError(`test: unexpected fetch to ${url.origin}`);
    const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    const call: OriginCall = {
      origin: url.origin,
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: request.headers,
      body,
    };
    this.calls.push(call);
    const mode = this.modes.get(url.origin) ?? 'up';
    if (mode === 'down') throw new TypeError('Network connection lost.');
    if (mode === 'hang') return hangUntilAborted(signal);
    const route = this.routes.find((candidate) => url.pathname.startsWith(candidate.prefix));
    if (route !== undefined) return route.respond(request, call);
    if (url.pathname.startsWith('/img/')) return renderVariant(url.pathname, request.headers.get('accept') ?? '');
    return new Response('not found', { status: 404 });
  }
}

/** Resolves f_auto the way the origin does from the (already normalised) Accept it receives. */
function renderVariant(path: string, accept: string): Response {
  const auto = /(^|,)f_auto(,|$)/.test(path.split('/')[3] ?? '');
  const format = (auto ? ['jxl', 'avif', 'webp'].find((token) => accept.includes(`image/${token}`)) : undefined) ?? 'jpeg';
  const headers = new Headers({
    'content-type': `image/${format}`,
    etag: `"${format}-${String(path.length)}-${path.replaceAll(/[^A-Za-z0-9]/g, '').slice(-16)}"`,
    'cache-control': 'public, max-age=31536000, immutable',
    'x-variant-source': 'render',
    'server-timing': 'render;dur=12',
    link: `<${path}>; rel="canonical"`,
  });
  if (auto) headers.set('vary', 'Accept');
  return new Response(`${format} bytes of ${path}`, { status: 200, headers });
}

function hangUntilAborted(signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => {
      reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    });
  });
}
