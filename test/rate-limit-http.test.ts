import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from './helpers/redis.ts';

const acme = { authorization: 'Bearer key-acme-0001' };
const acmeSecond = { authorization: 'Bearer key-acme-0002' };
const other = { authorization: 'Bearer key-other-0001' };
const apiKeys = 'acme:key-acme-0001,acme:key-acme-0002,other:key-other-0001';

async function list(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/images`, { headers });
  const body = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    body,
    contentType: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    limit: response.headers.get('ratelimit-limit'),
    remaining: response.headers.get('ratelimit-remaining'),
    reset: response.headers.get('ratelimit-reset'),
  };
}

describe('per-key rate limit in process', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: apiKeys, RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await origin?.destroy();
  });

  it('lets each API key make its quota, then answers 429 rate_limited with Retry-After and RateLimit headers', async () => {
    const allowed = [await list(origin.url, acme), await list(origin.url, acme), await list(origin.url, acme)];
    expect(allowed.map((r) => [r.status, r.limit, r.remaining])).toEqual([
      [200, '3', '2'],
      [200, '3', '1'],
      [200, '3', '0'],
    ]);
    expect(Number(allowed[2]?.reset)).toBeGreaterThan(50);

    const limited = await list(origin.url, acme);
    expect(limited).toMatchObject({ status: 429, contentType: 'application/problem+json', limit: '3', remaining: '0', retryAfter: '20' });
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited', type: 'https://pixelfront.dev/errors/rate_limited' });
    // Every /v1 route is limited, including writes; nothing runs past the limit.
    const upload = await fetch(`${origin.url}/v1/images`, {
      method: 'POST',
      headers: { ...acme, 'content-type': 'image/png' },
      body: Buffer.from('not an image'),
    });
    expect(upload.status).toBe(429);

    // Per key: the same tenant's other key and another tenant have their own quota.
    expect(await list(origin.url, acmeSecond)).toMatchObject({ status: 200, remaining: '2' });
    // A wrong key is a 401 and spends nobody's quota.
    expect((await list(origin.url, { authorization: 'Bearer key-unknown-0001' })).status).toBe(401);
    expect(await list(origin.url, other)).toMatchObject({ status: 200, remaining: '2' });
    // Errors of the route itself still carry the headers.
    const missing = await fetch(`${origin.url}/v1/images/nope`, { headers: other });
    expect([missing.status, missing.headers.get('ratelimit-remaining')]).toEqual([404, '1']);
  });

  it('never limits /img deliveries or health endpoints', async () => {
    for (let index = 0; index < 8; index += 1) {
      const response = await fetch(`${origin.url}/img/AAAAAAAAAAAAAAAA`);
      expect(response.status).toBe(404);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    }
    const health = await fetch(`${origin.url}/healthz`);
    expect([health.status, health.headers.get('ratelimit-limit')]).toEqual([200, null]);
  });
});

describe('rate limit off and in open mode', () => {
  it('sends no RateLimit headers when RATE_LIMIT_PER_MINUTE is unset', async () => {
    const origin = await startTestOrigin({});
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => list(origin.url)));
      expect(answers.map((r) => [r.status, r.limit])).toEqual(Array.from({ length: 5 }, () => [200, null]));
    } finally {
      await origin.destroy();
    }
  });

  it('limits the single open-mode tenant as one principal', async () => {
    const origin = await startTestOrigin({ RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const answers = [await list(origin.url), await list(origin.url, { authorization: 'Bearer anything-at-all' }), await list(origin.url)];
      expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    } finally {
      await origin.destroy();
    }
  });
});

/** A TCP relay to the test Redis that can be cut, to take Redis away from a running origin. */
async function redisRelay(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Fixed windows are per minute: start a scenario with enough of the minute left. */
async function awayFromMinuteEnd(neededMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

const redisUp = await redisReachable('rate limit on Redis');

describe.skipIf(!redisUp)('per-key rate limit shared in Redis', () => {
  const prefix = randomQueuePrefix();
  let first: TestOrigin;
  let second: TestOrigin;
  beforeAll(async () => {
    const env = { API_KEYS: apiKeys, RATE_LIMIT_PER_MINUTE: '4', REDIS_URL: testRedisUrl, QUEUE_PREFIX: prefix };
    [first, second] = await Promise.all([startTestOrigin(env), startTestOrigin(env)]);
  });
  afterAll(async () => {
    await Promise.all([first?.destroy(), second?.destroy()]);
    await dropQueuePrefix(prefix);
  });

  it('counts one key across replicas in a fixed window under QUEUE_PREFIX', async () => {
    await awayFromMinuteEnd(15_000);
    const answers = [await list(first.url, acme), await list(second.url, acme), await list(first.url, acme), await list(second.url, acme)];
    expect(answers.map((r) => [r.status, r.remaining])).toEqual([
      [200, '3'],
      [200, '2'],
      [200, '1'],
      [200, '0'],
    ]);
    const limited = await list(first.url, acme);
    expect(limited).toMatchObject({ status: 429, remaining: '0' });
    expect(limited.body).toMatchObject({ code: 'rate_limited' });
    // Retry-After is the end of the window, which RateLimit-Reset also names.
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    expect(limited.reset).toBe(limited.retryAfter);
    expect(await list(second.url, other)).toMatchObject({ status: 200, remaining: '3' });

    const redis = new Redis(testRedisUrl);
    try {
      const keys = await redis.keys(`${prefix}:ratelimit:*`);
      expect(keys.length).toBe(2);
      expect(keys.join(' ')).not.toContain('key-acme-0001'); // hashed, never the key
      for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('falls back to the in-process limiter when Redis goes away, without failing a request', async () => {
    const relay = await redisRelay(new URL(testRedisUrl));
    const relayPrefix = randomQueuePrefix();
    const origin = await startTestOrigin({
      API_KEYS: apiKeys,
      RATE_LIMIT_PER_MINUTE: '3',
      REDIS_URL: relay.url,
      QUEUE_PREFIX: relayPrefix,
    });
    try {
      await awayFromMinuteEnd(15_000);
      // Wait until the limiter talks to Redis (its key appears), then take Redis away.
      const redis = new Redis(testRedisUrl);
      try {
        // At most 3 tries: the quota of `other` is 3 (a try before the connection is up spends the fallback's).
        for (let attempt = 1; ; attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          expect((await list(origin.url, other)).status).toBe(200);
          if ((await redis.keys(`${relayPrefix}:ratelimit:*`)).length > 0) break;
          if (attempt === 3) throw new Error('the rate limiter never reached Redis through the relay');
        }
      } finally {
        redis.disconnect();
      }
      await relay.cut();
      const started = performance.now();
      const answers = [
        await list(origin.url, acme),
        await list(origin.url, acme),
        await list(origin.url, acme),
        await list(origin.url, acme),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(answers[3]?.body).toMatchObject({ code: 'rate_limited' });
      // Decided without waiting on the dead connection, and by this process alone: Redis saw none of them.
      expect(performance.now() - started).toBeLessThan(2_000);
      const check = new Redis(testRedisUrl);
      try {
        expect(await check.keys(`${relayPrefix}:ratelimit:*`)).toHaveLength(1);
      } finally {
        check.disconnect();
      }
    } finally {
      await origin.destroy();
      await dropQueuePrefix(relayPrefix);
    }
  });
});
