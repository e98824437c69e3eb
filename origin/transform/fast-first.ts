import type { Logger } from '../logger.ts';
import { SingleFlight } from './single-flight.ts';
import type { VariantRequest } from './variant-identity.ts';
import type { VariantLookup } from './variant-lookup.ts';

/** What fast-first asks of the VariantService; every lookup here is uncounted (the service counts what it answers). */
export interface FastFirstSteps {
  /** The variant from the memory cache, if it is there. */
  cached(request: VariantRequest): VariantLookup | undefined;
  /** The variant from storage, if some render has written it. */
  stored(request: VariantRequest): Promise<VariantLookup | undefined>;
  /** The estimated encode time of a render of this request (render-cost.ts, the figures admission uses). */
  encodeMs(request: VariantRequest): Promise<number>;
  /** The variant from memory, storage or a render (single flight): what an ordinary delivery waits for. */
  fetch(request: VariantRequest): Promise<VariantLookup>;
  /** Renders the variant into storage at background priority (joining a flight under way); true once stored. */
  renderInBackground(request: VariantRequest): Promise<boolean>;
}

/** Counted in /metrics (pixelfront_fast_first_total). */
export type FastFirstOutcome = 'answered' | 'upgraded' | 'upgrade_failed';

type Decision = { kind: 'ready'; lookup: VariantLookup } | { kind: 'wait' } | { kind: 'fast'; answer: Promise<VariantLookup> };

/**
 * f_auto never makes the first viewer wait for a slow encode (issue 20, `FAST_FIRST_MS`): a cold
 * f_auto whose chosen format (JPEG XL, AVIF) is estimated to encode for longer than the limit is
 * answered with the fast format (core/negotiate.ts fastFormat) while the chosen one renders in
 * the background into storage; the delivery marks that answer short-lived. Once the better
 * variant exists (memory or storage), it is the answer, with the year-long cache.
 *
 * One decision per variant at a time (single flight): any number of concurrent cold requests
 * make one background render. The upgrade starts once the fast answer is ready, so the two do not
 * share the cores while the viewer waits. A failed upgrade is logged and forgotten: the next
 * request finds nothing stored and tries again.
 */
export class FastFirst {
  private readonly decisions = new SingleFlight<Decision>();
  /** Background renders under way, by the better variant's key. */
  private readonly upgrades = new Map<string, Promise<void>>();

  constructor(
    private readonly steps: FastFirstSteps,
    private readonly options: { limitMs: number; logger: Logger; count?: (outcome: FastFirstOutcome) => void },
  ) {}

  /** `better`: the f_auto variant in its chosen format; `fast`: the same transform in the fast format. */
  async get(better: VariantRequest, fast: VariantRequest): Promise<VariantLookup> {
    const cached = this.steps.cached(better);
    if (cached) return cached;
    const { key } = better.identity;
    if (this.upgrades.has(key)) return this.fastAnswer(await this.steps.fetch(fast), better);
    const decision = await this.decisions.run(key, () => this.decide(better, fast));
    switch (decision.kind) {
      case 'ready':
        return decision.lookup;
      case 'fast':
        return this.fastAnswer(await decision.answer, better);
      case 'wait':
        return this.steps.fetch(better);
    }
  }

  /** Resolves once every background render started so far has settled (shutdown waits for it). */
  async settled(): Promise<void> {
    while (this.upgrades.size > 0) await Promise.allSettled([...this.upgrades.values()]);
  }

  get upgrading(): number {
    return this.upgrades.size;
  }

  private async decide(better: VariantRequest, fast: VariantRequest): Promise<Decision> {
    const stored = await this.steps.stored(better);
    if (stored) return { kind: 'ready', lookup: stored };
    // Decisions of one key never overlap (single flight) and `get` looks for an upgrade first,
    // so none of this key is under way here.
    const [slow, quick] = await Promise.all([this.steps.encodeMs(better), this.steps.encodeMs(fast)]);
    if (slow <= this.options.limitMs || quick >= slow) return { kind: 'wait' };
    const answer = this.steps.fetch(fast);
    this.upgrade(better, answer, slow);
    return { kind: 'fast', answer };
  }

  private upgrade(better: VariantRequest, after: Promise<unknown>, estimateMs: number): void {
    const { key, format } = better.identity;
    const { logger } = this.options;
    const run = after
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => this.steps.renderInBackground(better))
      .then(
        (stored) => {
          this.options.count?.('upgraded');
          // A failed write-back is logged where it happened; the variant stays in memory meanwhile.
          logger.debug('f_auto upgrade rendered', { key, format, stored, estimateMs: Math.round(estimateMs) });
        },
        (error: unknown) => {
          this.options.count?.('upgrade_failed');
          logger.warn('f_auto upgrade failed; the next request for it tries again', { key, format, error: String(error) });
        },
      )
      .finally(() => this.upgrades.delete(key));
    this.upgrades.set(key, run);
  }

  private fastAnswer(lookup: VariantLookup, better: VariantRequest): VariantLookup {
    this.options.count?.('answered');
    return { ...lookup, upgrading: better.identity.format };
  }
}
