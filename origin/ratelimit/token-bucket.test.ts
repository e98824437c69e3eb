import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './token-bucket.ts';

describe('TokenBucketLimiter', () => {
  it('allows a burst of the per-minute limit, then refills at the steady rate', async () => {
    let now = 1_000_000;
    const limiter = new TokenBucketLimiter(6, () => now); // one token every 10 s
    const burst = await Promise.all(Array.from({ length: 6 }, () => limiter.take('a')));
    expect(burst.map((decision) => [decision.allowed, decision.remaining])).toEqual([
      [true, 5],
      [true, 4],
      [true, 3],
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    expect(burst[5]?.resetSeconds).toBe(60);
    const denied = await limiter.take('a');
    expect(denied).toMatchObject({ allowed: false, limit: 6, remaining: 0, retryAfterSeconds: 10 });
    now += 4_000;
    expect(await limiter.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 6 });
    now += 6_000;
    expect(await limiter.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    // Other principals have their own buckets.
    expect(await limiter.take('b')).toMatchObject({ allowed: true, remaining: 5 });
    now += 120_000;
    expect(await limiter.take('a')).toMatchObject({ allowed: true, remaining: 5, resetSeconds: 10 });
  });

  it('forgets idle principals beyond its bound without refusing new ones', async () => {
    const limiter = new TokenBucketLimiter(1, () => 0, 10);
    for (let index = 0; index < 50; index += 1) expect((await limiter.take(`p${index}`)).allowed).toBe(true);
    expect((await limiter.take('p49')).allowed).toBe(false);
  });
});
