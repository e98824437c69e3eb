import type { Context } from 'hono';
import { fail } from '../../core/errors.ts';
import { REQUEST_ID_HEADER } from '../../core/request-id.ts';
import { canonicalize } from '../../core/grammar/canonical.ts';
import { isValidImageId } from '../../core/ids.ts';
import { checkSignedAccess, isPublicPresetOps, singleSignatureParam } from '../../core/signed-access.ts';
import { canonicalImagePath } from '../../core/signing.ts';
import { cacheKey } from '../cache-key.ts';
import { edgeHints } from '../client-hints.ts';
import { edgeConfig, type EdgeConfig } from '../config.ts';
import { edgeCountersFor, formatOfContentType, sendToOrigin } from '../edge-stats.ts';
import { deliver } from '../delivery.ts';
import type { EdgeBindings } from '../env.ts';
import { negotiateFormat } from '../format-token.ts';
import { parseImagePath } from '../image-path.ts';
import { fetchFromOrigin } from '../origin-client.ts';
import { cacheableCopy, lookup, store } from '../variant-cache.ts';

/**
 * `GET /img/<id>[/<ops>[/<name.ext>]]`, cheapest step first: parse and canonicalise (400 here,
 * the origin never sees it) → signature (403) → cache under the canonical key → origin on a miss.
 */
export async function imageRoute(c: Context<EdgeBindings>): Promise<Response> {
  const config = edgeConfig(c.env);
  const url = new URL(c.req.url);
  const { id, ops } = parseImagePath(url.pathname);
  if (!isValidImageId(id)) throw fail('invalid_request', `"${id}" is not an image id ([A-Za-z0-9_-]{8,64})`);
  const { spec, canonical, preset } = canonicalize(ops, { presets: config.presets, maxOutputDimension: config.maxOutputDimension });
  const path = canonicalImagePath(id, canonical);
  // Before the cache: a bad signature never sees a cached byte, nor the origin.
  await checkSignedAccess(config, {
    rawOps: ops,
    canonicalPath: path,
    sig: singleSignatureParam('sig', url.searchParams.getAll('sig')),
    exp: singleSignatureParam('exp', url.searchParams.getAll('exp')),
  });

  const format = spec.f === 'auto' ? negotiateFormat(c.req.header('accept')) : undefined;
  const hints = edgeHints(spec, (name) => c.req.header(name), config);
  const key = cacheKey(url.origin, path, format?.token, hints.key);
  const vary = [...(format === undefined ? [] : ['Accept']), ...hints.vary];
  const context = { id, vary, ifNoneMatch: c.req.header('if-none-match'), requestId: c.get('requestId') };
  const cache = caches.default;
  const cached = await lookup(cache, key, context.requestId);
  const counted = (answer: Response, state: 'hit' | 'miss') => countAnswer(c, config, { id, preset, state, answer });
  if (cached !== undefined) return counted(await deliver(cached, 'hit', context), 'hit');

  // A public preset goes to the origin as written (`t_NAME`): a signing origin applies the same
  // rule to the ops it receives, and would refuse their unsigned canonical spelling.
  const publicPreset = config.signedUrls === 'required' && isPublicPresetOps(ops, config.publicPresets);
  const originPath = publicPreset ? `/img/${id}/${ops}` : path;
  const headers: Record<string, string> = { accept: format?.accept ?? '*/*', ...hints.headers, [REQUEST_ID_HEADER]: c.get('requestId') };
  // The origin sees the canonical ops; this lets it count its delivery under the preset the URL named.
  if (preset !== undefined) headers[PRESET_HEADER] = preset;
  const response = await fetchFromOrigin((base) => originRequest(base, originPath, url.searchParams, headers), {
    origins: config.roleOrigins.delivery,
    affinityKey: key.url,
    timeoutMs: config.originTimeoutMs,
    retry: true,
  });
  const copy = cacheableCopy(response, id);
  if (copy !== undefined) c.executionCtx.waitUntil(store(cache, key, copy, context.requestId));
  return counted(await deliver(response, 'miss', context), 'miss');
}

/** The origin's name for the header (origin/delivery/img-routes.ts). */
const PRESET_HEADER = 'x-pixelfront-preset';

/**
 * Counts an answer with a body (a GET's 200; a HEAD, a 304 or an error delivers nothing) for the edge statistics,
 * and hands a due send of the counters to `waitUntil`, beside the answer (never delaying it).
 */
function countAnswer(
  c: Context<EdgeBindings>,
  config: EdgeConfig,
  input: { id: string; preset: string | undefined; state: 'hit' | 'miss'; answer: Response },
): Response {
  const { edgeStats } = config;
  const { answer } = input;
  // A HEAD delivers no body, as at the origin (whose count of a HEAD miss's GET stays: the edge got those bytes).
  if (edgeStats === undefined || answer.status !== 200 || c.req.method === 'HEAD') return answer;
  const counters = edgeCountersFor(c.env);
  const now = Date.now();
  counters.count(
    {
      id: input.id,
      format: formatOfContentType(answer.headers.get('content-type')),
      preset: input.preset,
      state: input.state,
      bytes: Number(answer.headers.get('content-length') ?? 0) || 0,
    },
    now,
  );
  const requestId = c.get('requestId');
  const send = counters.sendIfDue(now, edgeStats.flushMs, (rows) => sendToOrigin(config, edgeStats.secret, rows, requestId), requestId);
  if (send !== undefined) c.executionCtx.waitUntil(send);
  return answer;
}

/**
 * The origin gets the canonical path (or a public preset's `t_NAME`; never the SEO name or a stray
 * query) and, for f_auto, an Accept header holding only the negotiated token, for w_auto and
 * dpr_auto hint headers holding only the rounded values (edge/client-hints.ts), plus the request
 * id. `sig`/`exp` go along so an origin that also requires signed URLs accepts the request; they
 * are not part of the cache key.
 */
function originRequest(base: string, path: string, query: URLSearchParams, headers: Record<string, string>): Request {
  const url = new URL(`${base}${path}`);
  for (const name of ['sig', 'exp']) {
    const value = query.get(name);
    if (value !== null) url.searchParams.set(name, value);
  }
  return new Request(url.toString(), { method: 'GET', headers });
}
