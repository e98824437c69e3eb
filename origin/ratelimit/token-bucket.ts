import { LRUCache } from 'lru-cache';
import type { RateDecision, RateLimiter } from './types.ts';

const minuteMs = 60_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The in-process limiter: a token bucket per principal holding up to `perMinute` requests and
 * refilling continuously at `perMinute` a minute, so a client may burst a minute's worth and then
 * goes at the steady rate. A bucket untouched for a minute is full again, so forgetting it then
 * (the LRU's ttl) changes nothing; `maxPrincipals` bounds memory against many keys at once.
 */
export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    maxPrincipals = 100_000,
  ) {
    this.perMs = perMinute / minuteMs;
    this.buckets = new LRUCache<string, Bucket>({ max: maxPrincipals, ttl: minuteMs, ttlAutopurge: false });
  }

  async take(principal: string): Promise<RateDecision> {
    return this.takeNow(principal);
  }

  /** The synchronous core, also the Redis limiter's fallback. */
  takeNow(principal: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(principal);
    let tokens = bucket === undefined ? this.perMinute : Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(principal, { tokens, at: now });
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((this.perMinute - tokens) / this.perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)),
    };
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
