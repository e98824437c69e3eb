import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../logger.ts';
import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from '../../test/helpers/redis.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import { BullmqQueue, startBullmqConsumer, VARIANT_QUEUE, type ProducerOptions } from './bullmq-queue.ts';
import { contractRetry, describeQueueContract } from './queue.contract.ts';

const available = await redisReachable('BullMQ queue contract');

/** A producer once it has connected (it connects in the background; tests start once it is ready). */
async function connectedQueue(options: Omit<ProducerOptions, 'timeoutMs'>, logger: Logger): Promise<BullmqQueue> {
  const queue = new BullmqQueue({ ...options, timeoutMs: 5_000 }, logger);
  await waitFor(
    () =>
      queue.ping().then(
        () => true,
        () => undefined,
      ),
    10_000,
    'Redis connection',
  );
  return queue;
}

describeQueueContract(
  'bullmq',
  async (logger) => {
    const prefix = randomQueuePrefix();
    const options = { redisUrl: testRedisUrl, prefix, retry: contractRetry };
    const queue = await connectedQueue(options, logger);
    const consumers: Array<{ close(): Promise<void> }> = [];
    return {
      queue,
      async consume(handler) {
        const consumer = startBullmqConsumer({ ...options, concurrency: 2, lockMs: 5_000 }, handler, logger);
        consumers.push(consumer);
        return consumer;
      },
      async close() {
        await Promise.all(consumers.map((consumer) => consumer.close()));
        await queue.close();
        await dropQueuePrefix(prefix);
      },
    };
  },
  { skip: !available },
);

describe.skipIf(!available)('BullMQ wait list', () => {
  it("keeps waiting jobs in the Redis list <prefix>:variants:wait, the one deploy/k8s/worker.yaml's KEDA trigger counts", async () => {
    const prefix = randomQueuePrefix();
    const queue = await connectedQueue({ redisUrl: testRedisUrl, prefix }, createLogger('silent'));
    const redis = new Redis(testRedisUrl);
    try {
      const job = (n: number) => ({
        id: `wait-${String(n)}`,
        job: { imageId: 'abcdefgh12', canonical: `w_${String(n)}`, format: 'webp' as const },
      });
      await queue.enqueue([job(1), job(2), job(3)]);
      // No consumer runs: all three wait, in the list KEDA's redis scaler reads with LLEN.
      expect(await redis.llen(`${prefix}:${VARIANT_QUEUE}:wait`)).toBe(3);
      expect(await queue.depth()).toBe(3);
    } finally {
      redis.disconnect();
      await queue.close();
      await dropQueuePrefix(prefix);
    }
  });
});
