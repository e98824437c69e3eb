import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl, waitForFlightClaim } from '../../test/helpers/redis.ts';
import { FleetFlight, type FleetOutcome, type FleetWork } from './fleet-flight.ts';

const hasRedis = await redisReachable('fleet single flight');
const silent = createLogger('silent');

/** Replicas sharing one "storage" (a Map) and one Redis, counting their renders. */
function fleet(size: number, options: { leaseMs?: number; waitMs?: number } = {}) {
  const prefix = randomQueuePrefix();
  const storage = new Map<string, string>();
  const outcomes: FleetOutcome[] = [];
  const replicas = Array.from(
    { length: size },
    () =>
      new FleetFlight(
        {
          redisUrl: testRedisUrl,
          prefix,
          leaseMs: options.leaseMs ?? 2_000,
          pollMs: 20,
          waitMs: options.waitMs ?? 10_000,
          connectionTimeoutMs: 5_000,
        },
        silent,
        (outcome) => outcomes.push(outcome),
      ),
  );
  let renders = 0;
  const work = (key: string, renderMs: number, hang?: Promise<never>): FleetWork<string> => ({
    lookup: async () => storage.get(key),
    render: async () => {
      renders += 1;
      await (hang ?? sleep(renderMs));
      const bytes = `variant of ${key}`;
      // The write lands a little after the answer, as a real write-back does.
      const stored = sleep(20).then(() => {
        storage.set(key, bytes);
        return true;
      });
      return { result: bytes, stored };
    },
  });
  return {
    replicas,
    outcomes,
    /** Until one replica holds a claim (it has connected and claimed, however slow the machine). */
    claimed: () => waitForFlightClaim(prefix),
    work,
    renders: () => renders,
    async close() {
      await Promise.all(replicas.map((replica) => replica.close()));
      await dropQueuePrefix(prefix);
    },
  };
}

let current: ReturnType<typeof fleet> | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe.skipIf(!hasRedis)('FleetFlight', () => {
  it('renders a cold variant once across replicas; the others take it from storage', async () => {
    current = fleet(3);
    const { replicas, work } = current;
    const answers = await Promise.all(replicas.map((replica) => replica.run('variants/a/1.webp', work('variants/a/1.webp', 200))));
    expect(current.renders()).toBe(1);
    expect(new Set(answers.map((answer) => answer.result))).toEqual(new Set(['variant of variants/a/1.webp']));
    expect(answers.map((answer) => answer.outcome).sort()).toEqual(['follower', 'follower', 'leader']);
    // Different variants do not wait for each other.
    await Promise.all([replicas[0]!.run('k1', work('k1', 50)), replicas[1]!.run('k2', work('k2', 50))]);
    expect(current.renders()).toBe(3);
  });

  it('lets another replica take over when the holder dies (its lease is no longer renewed)', async () => {
    current = fleet(2, { leaseMs: 400 });
    const [holder, other] = current.replicas;
    // The holder renders forever and then loses Redis, as a SIGKILLed process would.
    void holder!.run('k', current.work('k', 0, new Promise<never>(() => undefined)));
    await current.claimed();
    await holder!.close();
    // `takeover`, not `timeout`: the claim lapsed with its lease (400 ms), well before the 10 s wait.
    const answer = await other!.run('k', current.work('k', 50));
    expect(answer.outcome).toBe('takeover');
    expect(answer.result).toBe('variant of k');
    expect(current.renders()).toBe(2);
  });

  it('renews the lease while a render takes longer than one lease, so nobody renders twice', async () => {
    current = fleet(2, { leaseMs: 300 });
    const [a, b] = current.replicas;
    const first = a!.run('slow', current.work('slow', 1_000));
    await current.claimed();
    const second = await b!.run('slow', current.work('slow', 1_000));
    expect((await first).outcome).toBe('leader');
    expect(second.outcome).toBe('follower');
    expect(current.renders()).toBe(1);
  });

  it('renders here when its wait passes the deadline, and when Redis is unreachable', async () => {
    current = fleet(2, { waitMs: 200 });
    const [a, b] = current.replicas;
    void a!.run('stuck', current.work('stuck', 0, new Promise<never>(() => undefined)));
    await current.claimed();
    expect((await b!.run('stuck', current.work('stuck', 10))).outcome).toBe('timeout');

    const offline = new FleetFlight({ redisUrl: 'redis://127.0.0.1:1', prefix: 'x', waitMs: 1_000, connectionTimeoutMs: 1_000 }, silent);
    try {
      expect((await offline.run('k', current.work('k', 10))).outcome).toBe('local');
    } finally {
      await offline.close();
    }
  });
});
