import { describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../core/transform-spec.ts';
import type { ImageRecord } from '../catalog/types.ts';
import type { Logger } from '../logger.ts';
import { FastFirst, type FastFirstSteps } from './fast-first.ts';
import { variantIdentity, type VariantRequest } from './variant-identity.ts';
import type { VariantLookup } from './variant-lookup.ts';

const image = { id: 'fastFirst01' } as ImageRecord;
const requestOf = (format: OutputFormat): VariantRequest => ({
  image,
  spec: { w: 800, f: format },
  identity: variantIdentity(image.id, 'w_800', format),
});
const better = requestOf('avif');
const fast = requestOf('webp');

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * A VariantService as fast-first sees it: a memory map, a storage map, fixed encode estimates,
 * and background renders the test finishes (or fails) by hand.
 */
class FakeSteps implements FastFirstSteps {
  readonly memory = new Map<string, VariantLookup>();
  readonly storage = new Map<string, VariantLookup>();
  readonly estimates: Partial<Record<OutputFormat, number>> = { avif: 900, webp: 40 };
  readonly background: { format: OutputFormat; done: ReturnType<typeof deferred<boolean>> }[] = [];
  readonly fetched: OutputFormat[] = [];

  cached(request: VariantRequest) {
    return this.memory.get(request.identity.key);
  }

  async stored(request: VariantRequest) {
    return this.storage.get(request.identity.key);
  }

  async encodeMs(request: VariantRequest) {
    return this.estimates[request.identity.format] ?? 0;
  }

  async fetch(request: VariantRequest): Promise<VariantLookup> {
    this.fetched.push(request.identity.format);
    return this.cached(request) ?? (await this.stored(request)) ?? lookupOf(request.identity.format, 'render');
  }

  renderInBackground(request: VariantRequest): Promise<boolean> {
    const done = deferred<boolean>();
    this.background.push({ format: request.identity.format, done });
    return done.promise.then((stored) => {
      this.memory.set(request.identity.key, lookupOf(request.identity.format, 'memory'));
      if (stored) this.storage.set(request.identity.key, lookupOf(request.identity.format, 'storage'));
      return stored;
    });
  }
}

function lookupOf(format: OutputFormat, source: VariantLookup['source']): VariantLookup {
  return { variant: { data: Buffer.from(format), format, contentType: `image/${format}` }, source, timings: {} };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (message) => warnings.push(message) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('fast-first', () => {
  it('answers in the fast format while one background render makes the better one, then answers with that', async () => {
    const steps = new FakeSteps();
    const fastFirst = new FastFirst(steps, { limitMs: 300, logger: recordingLogger() });
    const answers = await Promise.all(Array.from({ length: 20 }, () => fastFirst.get(better, fast)));
    expect(answers.map((answer) => [answer.variant.format, answer.upgrading])).toEqual(Array(20).fill(['webp', 'avif']));
    await settle();
    // Twenty concurrent cold requests, one background render.
    expect(steps.background.map((render) => render.format)).toEqual(['avif']);
    // Requests while it runs get the fast answer too, without a second render.
    expect((await fastFirst.get(better, fast)).upgrading).toBe('avif');
    steps.background[0]?.done.resolve(true);
    await fastFirst.settled();
    const after = await fastFirst.get(better, fast);
    expect([after.variant.format, after.upgrading]).toEqual(['avif', undefined]);
    steps.memory.clear();
    expect((await fastFirst.get(better, fast)).source).toBe('storage');
    expect(steps.background).toHaveLength(1);
  });

  it('starts the background render only once the fast answer is ready', async () => {
    const steps = new FakeSteps();
    const fastAnswer = deferred<VariantLookup>();
    steps.fetch = async (request) => (request.identity.format === 'webp' ? fastAnswer.promise : lookupOf('avif', 'render'));
    const fastFirst = new FastFirst(steps, { limitMs: 300, logger: recordingLogger() });
    const answer = fastFirst.get(better, fast);
    await settle();
    expect(steps.background).toHaveLength(0);
    fastAnswer.resolve(lookupOf('webp', 'render'));
    expect((await answer).variant.format).toBe('webp');
    await settle();
    expect(steps.background).toHaveLength(1);
    steps.background[0]?.done.resolve(true);
    await fastFirst.settled();
  });

  it('waits for the better format when its encode is estimated within the limit, or the fast one is no faster', async () => {
    const steps = new FakeSteps();
    const fastFirst = new FastFirst(steps, { limitMs: 1000, logger: recordingLogger() });
    const answer = await fastFirst.get(better, fast);
    expect([answer.variant.format, answer.upgrading]).toEqual(['avif', undefined]);
    steps.estimates.webp = 2000;
    steps.estimates.avif = 1500;
    expect((await fastFirst.get(requestOf('jxl'), fast)).upgrading).toBeUndefined();
    expect(steps.background).toHaveLength(0);
    expect(steps.fetched).toEqual(['avif', 'jxl']);
  });

  it('answers fast at a limit of 0 whatever the estimate', async () => {
    const steps = new FakeSteps();
    steps.estimates.avif = 1;
    steps.estimates.webp = 0;
    const fastFirst = new FastFirst(steps, { limitMs: 0, logger: recordingLogger() });
    expect((await fastFirst.get(better, fast)).variant.format).toBe('webp');
    await settle();
    steps.background[0]?.done.resolve(true);
    await fastFirst.settled();
  });

  it('logs a failed background render and tries again on the next request', async () => {
    const steps = new FakeSteps();
    const logger = recordingLogger();
    const outcomes: string[] = [];
    const fastFirst = new FastFirst(steps, { limitMs: 300, logger, count: (outcome) => outcomes.push(outcome) });
    expect((await fastFirst.get(better, fast)).upgrading).toBe('avif');
    await settle();
    steps.background[0]?.done.reject(new Error('overloaded'));
    await fastFirst.settled();
    expect(logger.warnings).toEqual(['f_auto upgrade failed; the next request for it tries again']);
    expect(fastFirst.upgrading).toBe(0);
    expect((await fastFirst.get(better, fast)).upgrading).toBe('avif');
    await settle();
    expect(steps.background).toHaveLength(2);
    steps.background[1]?.done.resolve(true);
    await fastFirst.settled();
    expect((await fastFirst.get(better, fast)).variant.format).toBe('avif');
    expect(outcomes).toEqual(['answered', 'upgrade_failed', 'answered', 'upgraded']);
  });
});
