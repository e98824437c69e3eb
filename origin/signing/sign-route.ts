import type { Context } from 'hono';
import { z } from 'zod';
import { fail } from '../../core/errors.ts';
import { isValidImageId } from '../../core/ids.ts';
import { canonicalImagePath, signPath } from '../../core/signing.ts';
import type { OriginVariables } from '../http/auth.ts';
import { parseJsonBody, readJsonBody } from '../http/request-body.ts';
import type { Services } from '../services.ts';
import { canonicalTransform } from '../transform/plan.ts';

type Env = { Variables: OriginVariables };

export const MAX_SIGN_PATHS = 100;

/** The body of `POST /v1/sign`. */
export const signBodySchema = z
  .object({
    paths: z
      .array(z.string().min(1).max(2048))
      .min(1)
      .max(MAX_SIGN_PATHS)
      .describe("`/img/<id>[/<ops>[/<name>]]` of the tenant's own images, without a query"),
    exp: z.number().int().min(0).max(99_999_999_999).optional().describe('unix seconds after which the URLs stop working'),
  })
  .strict();

export const signAnswerSchema = z
  .strictObject({
    urls: z.array(z.string()).describe('in the order of `paths`: each path with `?sig=` (and `exp`), or unchanged when `signed` is false'),
    signed: z.boolean().describe('false when the service has no SIGNING_KEYS: the paths come back as given'),
    required: z.boolean().describe('true under SIGNED_URLS=required: unsigned URLs are refused'),
  })
  .meta({ id: 'SignedUrls' });

/** Reads `/img/<id>[/<ops>[/<name>]]` into its id and its ops as written. */
function readImagePath(path: string): { id: string; ops: string } {
  const match = /^\/img\/([^/?#]+)(?:\/([^/?#]+)(?:\/[^/?#]+)?)?$/.exec(path);
  if (!match) throw fail('invalid_request', `"${path.slice(0, 120)}" is not a path /img/<id>[/<ops>[/<name>]] without a query`);
  let ops: string;
  try {
    ops = decodeURIComponent(match[2] ?? '');
  } catch {
    throw fail('invalid_request', `"${path.slice(0, 120)}" is not validly percent-encoded`);
  }
  const id = match[1] ?? '';
  if (!isValidImageId(id)) throw fail('invalid_request', `"${id.slice(0, 80)}" is not an image id`);
  return { id, ops };
}

/**
 * `POST /v1/sign`: signed URLs for the console (SPEC section 8, Console), so a page can show URLs
 * that work under `SIGNED_URLS=required` without a signing key ever reaching it. Only the
 * tenant's own images are signed (an id of another tenant is 404, as for every image route); the
 * canonical path is signed, so the URL may keep its own spelling and SEO name.
 */
export function signRoute(services: Services) {
  return async function signUrls(c: Context<Env>) {
    const body = parseJsonBody(
      signBodySchema,
      await readJsonBody(c, 512 * 1024, services.config.bodyTimeouts),
      '{ paths: ["/img/…"], exp? }',
    );
    const { signingKeys, signedUrls } = services.config;
    const key = signingKeys[0];
    const tenant = c.get('tenant');
    const read = body.paths.map(readImagePath);
    const ids = [...new Set(read.map((item) => item.id))];
    const found = await Promise.all(ids.map((id) => services.catalog.getImage(tenant, id)));
    const missing = ids.find((_, index) => found[index] === null);
    if (missing !== undefined) throw fail('not_found', `image ${missing} not found`);
    const urls = await Promise.all(
      read.map(async ({ id, ops }, index) => {
        const canonical = ops === '' ? '' : canonicalTransform(services.grammar, ops).canonical;
        const path = body.paths[index] ?? '';
        if (key === undefined) return path;
        const sig = await signPath(canonicalImagePath(id, canonical), key, body.exp);
        return body.exp === undefined ? `${path}?sig=${sig}` : `${path}?exp=${body.exp}&sig=${sig}`;
      }),
    );
    return c.json({ urls, signed: key !== undefined, required: signedUrls === 'required' }, 200, { 'cache-control': 'no-store' });
  };
}
