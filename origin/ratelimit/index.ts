import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { RedisWindowLimiter } from './redis-window.ts';
import { TokenBucketLimiter } from './token-bucket.ts';
import type { RateLimiter } from './types.ts';

export type { RateDecision, RateLimiter } from './types.ts';
export { rateLimit } from './middleware.ts';

/** The per-key limiter RATE_LIMIT_PER_MINUTE asks for: none, in-process, or shared in Redis when REDIS_URL is set. */
export function createRateLimiter(config: Config, logger: Logger): RateLimiter | undefined {
  const perMinute = config.rateLimitPerMinute;
  if (perMinute === undefined) return undefined;
  if (config.redisUrl === undefined) return new TokenBucketLimiter(perMinute);
  return new RedisWindowLimiter(
    { redisUrl: config.redisUrl, prefix: config.queuePrefix, perMinute, connectionTimeoutMs: config.redisCommandTimeoutMs },
    logger,
  );
}
