import { Hono, type Context } from 'hono';
import { LRUCache } from 'lru-cache';
import { fail } from '../../core/errors.ts';
import { isValidImageId } from '../../core/ids.ts';
import { readClientHints } from '../../core/client-hints.ts';
import { checkSignedAccess, singleSignatureParam } from '../../core/signed-access.ts';
import { canonicalImagePath } from '../../core/signing.ts';
import type { Services } from '../services.ts';
import { deliverOriginal } from './original.ts';
import { canonicalTransform, type CanonicalTransform, type TransformContext } from '../transform/plan.ts';
import { deliverVariant } from './variant.ts';

/**
 * `/img/<id>[/<ops>[/<name.ext>]]` (SPEC section 3). The last segment is a free SEO name and
 * never changes the response. Order: id → parse → signature → delivery.
 */
/** Set by the edge on a miss: the `t_NAME` its client's URL named (the origin gets the canonical ops). */
export const PRESET_HEADER = 'x-pixelfront-preset';

/** A known preset name, or nothing: the header only labels statistics, and an unknown name is ignored. */
function forwardedPreset(grammar: TransformContext, value: string | undefined): string | undefined {
  return value !== undefined && grammar.presets.has(value) ? value : undefined;
}

export function imgRoutes(services: Services) {
  const app = new Hono();
  // Pages repeat the same few transforms; parsing them was ~6 % of a memory hit's main-thread time
  // (--cpu-prof, bench/tuning.json). Only valid ops are kept (a parse error throws), and the parsed
  // forms are never mutated.
  const parsed = new LRUCache<string, CanonicalTransform>({ max: 2000 });
  const transformOf = (rawOps: string): CanonicalTransform => {
    let transform = parsed.get(rawOps);
    if (!transform) parsed.set(rawOps, (transform = canonicalTransform(services.grammar, rawOps)));
    return transform;
  };
  const deliver = async (c: Context, rawOps: string) => {
    const id = c.req.param('id') ?? '';
    if (!isValidImageId(id)) throw fail('invalid_request', `"${id.slice(0, 80)}" is not an image id`);
    const transform = rawOps === '' ? undefined : transformOf(rawOps);
    const canonical = transform?.canonical ?? '';
    await checkSignedAccess(services.config, {
      rawOps,
      canonicalPath: canonicalImagePath(id, canonical),
      sig: singleSignatureParam('sig', c.req.queries('sig') ?? []),
      exp: singleSignatureParam('exp', c.req.queries('exp') ?? []),
    });
    const ifNoneMatch = c.req.header('if-none-match');
    // Hono answers HEAD with a GET's headers and no body: nothing is delivered, so nothing is counted.
    const counted = c.req.method !== 'HEAD';
    if (!transform || canonical === '') return deliverOriginal(services, { id, ifNoneMatch, counted });
    const preset = transform.preset ?? forwardedPreset(services.grammar, c.req.header(PRESET_HEADER));
    return deliverVariant(services, {
      id,
      transform: preset === transform.preset ? transform : { ...transform, preset },
      accept: c.req.header('accept'),
      hints: {
        values: readClientHints(transform.spec, (name) => c.req.header(name), {
          step: services.config.autoWidthStep,
          maxOutputDimension: services.config.maxOutputDimension,
        }),
        maxOutputDimension: services.config.maxOutputDimension,
      },
      ifNoneMatch,
      counted,
    });
  };
  app.get('/:id', (c) => deliver(c, ''));
  app.get('/:id/:ops', (c) => deliver(c, c.req.param('ops')));
  app.get('/:id/:ops/:name', (c) => deliver(c, c.req.param('ops')));
  return app;
}
