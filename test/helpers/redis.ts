import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const testRedisUrl = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A QUEUE_PREFIX of its own per test run, so parallel runs and leftovers never meet. */
export function randomQueuePrefix(): string {
  return `pftest-${randomBytes(6).toString('hex')}`;
}

/**
 * Whether the test Redis answers. Unreachable fails the run in CI and skips (with a notice)
 * elsewhere.
 */
export async function redisReachable(what: string, url = testRedisUrl): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (error) {
    const message = `Redis at ${url} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env['CI']) throw new Error(`${message} (CI requires it)`, { cause: error });
    console.warn(`[skip] ${what}: ${message}`);
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Removes every key under a prefix (the run's BullMQ data). */
export async function dropQueuePrefix(prefix: string, url = testRedisUrl): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Until some replica holds a fleet-wide single-flight claim under the prefix (origin/transform/
 * fleet-flight.ts keeps it at `<prefix>:flight:<key>`): a test that needs a holder waits for the
 * claim itself, not for a time a loaded machine may overrun.
 */
export async function waitForFlightClaim(prefix: string, url = testRedisUrl): Promise<void> {
  const redis = new Redis(url);
  try {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:flight:*`, 'COUNT', 1000);
      if (keys.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no replica claimed the variant within 10 s');
  } finally {
    redis.disconnect();
  }
}
