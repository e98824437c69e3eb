import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fail, isPixelfrontError } from '../../../core/errors.ts';
import { DEFAULT_SVG_LIMITS } from './sanitize.ts';
import { manyElements } from '../../../test/helpers/svg.ts';
import { SvgWorkerPool } from './svg-pool.ts';

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const deadline = (timeoutMs = 30_000) => ({ timeoutMs, expired: () => fail('unavailable', 'too slow') });

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (isPixelfrontError(error) ? error.code : String(error)),
  );

describe('the SVG worker pool', () => {
  const pool = new SvgWorkerPool({ limits: { maxBytes: 32 * 1024 * 1024, maxElements: 300_000 }, workers: 1 });
  afterAll(() => pool.close());

  it('sanitises on a worker thread and gives back the same document as in-thread sanitising', async () => {
    const out = await pool.sanitize(
      Buffer.from(`<svg ${NS} width="4" height="4"><script>alert(1)</script><rect width="1in" height="4"/></svg>`),
      deadline(),
    );
    expect(out.toString()).not.toContain('script');
    expect(out.toString()).toContain('width="96px"');
  });

  it('returns the sanitiser errors with their codes, and the caps from its limits', async () => {
    expect(await code(pool.sanitize(Buffer.from('<html></html>'), deadline()))).toBe('unsupported_media_type');
    expect(await code(pool.sanitize(Buffer.from(`<svg ${NS}><rect></svg>`), deadline()))).toBe('corrupt_image');
    expect(await code(pool.sanitize(manyElements(300_001), deadline()))).toBe('image_too_large');
    const small = new SvgWorkerPool({ limits: { ...DEFAULT_SVG_LIMITS, maxBytes: 100 }, workers: 1 });
    expect(await code(small.sanitize(manyElements(10), deadline()))).toBe('payload_too_large');
    await small.close();
  });

  it('answers a document that needs more than the worker heap with 422 image_too_large, and goes on', { timeout: 60_000 }, async () => {
    const small = new SvgWorkerPool({ limits: { maxBytes: 64 * 1024 * 1024, maxElements: 1_000_000 }, workers: 1, heapMb: 16 });
    try {
      expect(await code(small.sanitize(manyElements(150_000), deadline()))).toBe('image_too_large');
      expect((await small.sanitize(manyElements(3), deadline())).toString()).toContain('<rect');
    } finally {
      await small.close();
    }
  });

  it('ends a job past its deadline with the caller error, and the next job gets a fresh worker', async () => {
    expect(await code(pool.sanitize(manyElements(250_000), deadline(50)))).toBe('unavailable');
    expect((await pool.sanitize(manyElements(3), deadline())).toString()).toContain('<rect');
  });

  it('keeps the event loop free while a large document is sanitised', { timeout: 60_000 }, async () => {
    const document = manyElements(250_000);
    let worst = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - 10);
      last = now;
    }, 10);
    const started = performance.now();
    await pool.sanitize(document, deadline());
    const took = performance.now() - started;
    clearInterval(ticker);
    console.log(`sanitised 250,000 elements in ${Math.round(took)} ms; worst event-loop delay ${Math.round(worst)} ms`);
    expect(took).toBeGreaterThan(200); // real work, not a refusal
    expect(worst).toBeLessThan(500);
  });

  it.skipIf(process.platform !== 'linux')('runs its thread at nice 10, below the event loop', { timeout: 60_000 }, async () => {
    const job = pool.sanitize(manyElements(100_000), deadline());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value (counted after the command name).
    const nice = readdirSync('/proc/self/task').map(
      (task) => readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]?.split(' ')[16],
    );
    await job;
    expect(nice).toContain('10');
  });
});
