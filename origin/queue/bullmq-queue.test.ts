import { dropQueuePrefix, randomQueuePrefix, redisReachable, testRedisUrl } from '../../test/helpers/redis.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import { BullmqQueue, startBullmqConsumer } from './bullmq-queue.ts';
import { contractRetry, describeQueueContract } from './queue.contract.ts';

const available = await redisReachable('BullMQ queue contract');

describeQueueContract(
  'bullmq',
  async (logger) => {
    const prefix = randomQueuePrefix();
    const options = { redisUrl: testRedisUrl, prefix, retry: contractRetry };
    const queue = new BullmqQueue({ ...options, timeoutMs: 5_000 }, logger);
    // The producer connects in the background; tests start once it is ready.
    await waitFor(
      () =>
        queue.ping().then(
          () => true,
          () => undefined,
        ),
      10_000,
      'Redis connection',
    );
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
