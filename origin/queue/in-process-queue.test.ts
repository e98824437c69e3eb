import { InProcessQueue } from './in-process-queue.ts';
import { contractRetry, describeQueueContract } from './queue.contract.ts';

describeQueueContract('in-process', async (logger) => {
  const queue = new InProcessQueue(logger, { concurrency: 1, retry: contractRetry });
  return {
    queue,
    async consume(handler) {
      queue.start(handler);
      return { close: () => queue.close() };
    },
    close: () => queue.close(),
  };
});
