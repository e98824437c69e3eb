import type { Redis, RedisOptions } from 'ioredis';

/**
 * ioredis options for the service's own connections (the queue producer, the rate limiter), which
 * must fail fast rather than hang a request (issue 14): no offline queue while disconnected, each
 * command rejected after `timeoutMs`, and a connection that was asked something and stayed silent
 * that long destroyed and opened again — after a partition its replies may never come, and
 * later replies would be matched to the wrong commands. Never for BullMQ's blocking worker
 * connections, which wait on purpose (they take `maxRetriesPerRequest: null`, see worker-pool/).
 */
export function failFastRedisOptions(timeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    // Keep reconnecting in the background; the origin works without Redis meanwhile.
    retryStrategy: (times) => Math.min(times * 250, 2_000),
  };
}

/**
 * Settles once a fail-fast connection's first attempt has (ready) or has not (error, end) connected,
 * whichever comes first, and at once afterwards. Without an offline queue a command sent before
 * that is refused, so the first requests after start-up wait for it instead of giving up on Redis.
 */
export function firstConnection(redis: Redis): () => Promise<void> {
  let settled = false;
  const attempt = new Promise<void>((resolve) => {
    const settle = () => {
      settled = true;
      resolve();
    };
    for (const event of ['ready', 'error', 'end']) redis.once(event, settle);
  });
  return () => (settled ? Promise.resolve() : attempt);
}
