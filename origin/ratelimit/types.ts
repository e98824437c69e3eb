/** What one request may do under the per-key rate limit, and what the RateLimit-* headers say. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the full quota is back (fixed window: until the window ends). */
  resetSeconds: number;
  /** Seconds until a request will be allowed again; 0 when this one was. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Spends one request of `principal` (a hashed API key, or the tenant in open mode). Never rejects. */
  take(principal: string): Promise<RateDecision>;
  close(): Promise<void>;
}
