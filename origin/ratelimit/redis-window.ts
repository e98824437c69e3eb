import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { failFastRedisOptions, firstConnection } from '../queue/redis-connection.ts';
import { TokenBucketLimiter } from './token-bucket.ts';
import type { RateDecision, RateLimiter } from './types.ts';

const windowMs = 60_000;
// A request waits at most this long for Redis before the in-process limiter decides instead.
const commandTimeoutMs = 250;
const errorLogIntervalMs = 30_000;

// INCR and the expiry in one step, so a crash between them never leaves a counter without TTL.
const incrementScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

/**
 * The shared limiter for several replicas: a fixed one-minute window per principal in Redis
 * (`<QUEUE_PREFIX>:ratelimit:<principal>:<minute>`), counted with one atomic script call. When
 * Redis cannot answer at once (down, reconnecting, slow), the request is decided by the
 * in-process token bucket instead: the limit then holds per replica, and no request fails
 * because of Redis.
 */
export class RedisWindowLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly fallback: TokenBucketLimiter;
  private lastErrorLog = 0;
  /** Until the first connection settles, requests wait for it (briefly) rather than fall back. */
  private readonly connected: () => Promise<void>;

  constructor(
    private readonly options: {
      redisUrl: string;
      prefix: string;
      perMinute: number;
      /** REDIS_COMMAND_TIMEOUT_MS: a connection silent this long is replaced (decisions wait far less). */
      connectionTimeoutMs: number;
      now?: () => number;
    },
    private readonly logger: Logger,
  ) {
    this.fallback = new TokenBucketLimiter(options.perMinute, options.now);
    this.redis = new Redis(options.redisUrl, {
      // Fail at once while disconnected instead of queueing: the fallback decides meanwhile.
      ...failFastRedisOptions(options.connectionTimeoutMs),
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
    });
    this.redis.on('error', (error: Error) => this.logError(error));
    this.connected = firstConnection(this.redis);
  }

  async take(principal: string): Promise<RateDecision> {
    const now = (this.options.now ?? Date.now)();
    const window = Math.floor(now / windowMs);
    const key = `${this.options.prefix}:ratelimit:${principal}:${window}`;
    let count: number;
    try {
      await waitAtMost(this.connected(), commandTimeoutMs);
      count = Number(await this.redis.eval(incrementScript, 1, key, String(windowMs + 5_000)));
    } catch (error) {
      this.logError(error);
      return this.fallback.takeNow(principal);
    }
    const { perMinute } = this.options;
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
    const allowed = count <= perMinute;
    return {
      allowed,
      limit: perMinute,
      remaining: Math.max(0, perMinute - count),
      resetSeconds,
      retryAfterSeconds: allowed ? 0 : resetSeconds,
    };
  }

  async close(): Promise<void> {
    await this.fallback.close();
    this.redis.disconnect();
  }

  private logError(error: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLog < errorLogIntervalMs) return;
    this.lastErrorLog = now;
    this.logger.warn('rate limiter: Redis unavailable, limiting per process meanwhile', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
