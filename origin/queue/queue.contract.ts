import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/wait-for.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { JobHandler, JobOutcome, JobQueue, QueuedJob, RetryPolicy, VariantJob } from './types.ts';

/** A queue and a way to consume it with a handler (in this process, or as a BullMQ worker would). */
export interface QueueBackend {
  queue: JobQueue;
  consume: (handler: JobHandler) => Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export const contractRetry: RetryPolicy = { attempts: 3, backoffMs: 20 };

const job = (n: number, batchId = 'b1'): QueuedJob => {
  const data: VariantJob = { batchId, imageId: `image000${n}`, canonical: `w_${100 + n}`, format: 'webp' };
  return { id: `${batchId}.image000${n}.h${n}.webp`, job: data };
};

interface Call {
  job: VariantJob;
  number: number;
  final: boolean;
}

function recorder(decide: (call: Call, calls: Call[]) => JobOutcome | Error) {
  const calls: Call[] = [];
  const handler: JobHandler = {
    async run(data, attempt) {
      const call = { job: data, ...attempt };
      calls.push(call);
      const result = decide(call, calls);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { calls, handler };
}

/** The behaviour every queue backend must show; each test gets a fresh backend (BullMQ: a fresh prefix). */
/** `logger`: what the backend's consumers log through (silent unless a test listens). */
export function describeQueueContract(
  name: string,
  makeBackend: (logger: Logger) => Promise<QueueBackend>,
  options: { skip?: boolean } = {},
) {
  describe.skipIf(options.skip === true)(`job queue contract: ${name}`, () => {
    async function withBackend(work: (backend: QueueBackend) => Promise<void>, logger: Logger = createLogger('silent')) {
      const backend = await makeBackend(logger);
      try {
        await work(backend);
      } finally {
        await backend.close();
      }
    }

    it('runs every job once with its data', async () => {
      await withBackend(async ({ queue, consume }) => {
        const { calls, handler } = recorder(() => 'done');
        const jobs = Array.from({ length: 10 }, (_, n) => job(n));
        await queue.enqueue(jobs);
        const consumer = await consume(handler);
        await waitFor(() => (calls.length >= 10 ? true : undefined), 20_000, '10 jobs');
        await new Promise((resolve) => setTimeout(resolve, 200));
        await consumer.close();
        expect(calls.map((call) => call.job).sort((a, b) => a.imageId.localeCompare(b.imageId))).toEqual(jobs.map((entry) => entry.job));
        expect(calls.every((call) => call.number === 1)).toBe(true);
      });
    });

    it('collapses jobs queued twice under one id', async () => {
      await withBackend(async ({ queue, consume }) => {
        const { calls, handler } = recorder(() => 'done');
        await queue.enqueue([job(1), job(1)]);
        await queue.enqueue([job(1), job(2)]);
        expect(await queue.depth()).toBe(2);
        const consumer = await consume(handler);
        await waitFor(() => (calls.length >= 2 ? true : undefined), 20_000, '2 jobs');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await consumer.close();
        expect(calls.map((call) => call.job.imageId).sort()).toEqual(['image0001', 'image0002']);
      });
    });

    it('retries a transient failure with backoff until it succeeds', async () => {
      await withBackend(async ({ queue, consume }) => {
        const { calls, handler } = recorder((call) => (call.number < 2 ? new Error('storage hiccup') : 'done'));
        await queue.enqueue([job(3)]);
        const consumer = await consume(handler);
        await waitFor(() => (calls.length >= 2 ? true : undefined), 20_000, 'a retry');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await consumer.close();
        expect(calls.map((call) => call.number)).toEqual([1, 2]);
      });
    });

    it('stops after the last attempt, telling the handler it is final', async () => {
      await withBackend(async ({ queue, consume }) => {
        const { calls, handler } = recorder(() => new Error('storage down'));
        await queue.enqueue([job(4)]);
        const consumer = await consume(handler);
        await waitFor(() => (calls.length >= contractRetry.attempts ? true : undefined), 20_000, 'all attempts');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await consumer.close();
        expect(calls.map((call) => call.number)).toEqual([1, 2, 3]);
        expect(calls.map((call) => call.final)).toEqual([false, false, true]);
      });
    });

    it('logs every attempt under its jobId and batchId, also the lines the handler writes', async () => {
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
      await withBackend(async ({ queue, consume }) => {
        const { calls, handler } = recorder((call) => {
          logger.info('inside the handler', { imageId: call.job.imageId });
          return call.number < 2 ? new Error('storage hiccup') : 'done';
        });
        const queued = job(7, 'b_logged');
        await queue.enqueue([queued]);
        const consumer = await consume(handler);
        await waitFor(() => (lines.filter((line) => line['outcome'] === 'done').length > 0 ? true : undefined), 20_000, 'a done line');
        await consumer.close();
        expect(calls.map((call) => call.number)).toEqual([1, 2]);
        const ids = { jobId: queued.id, batchId: 'b_logged' };
        expect(lines.filter((line) => line['msg'] === 'inside the handler')).toEqual([
          expect.objectContaining({ ...ids, imageId: 'image0007' }),
          expect.objectContaining({ ...ids, imageId: 'image0007' }),
        ]);
        const attempts = lines.filter((line) => line['msg'] === 'job');
        expect(attempts).toEqual([
          expect.objectContaining({ ...ids, outcome: 'retry', attempt: 1, error: 'storage hiccup', ops: 'w_107', format: 'webp' }),
          expect.objectContaining({ ...ids, outcome: 'done', attempt: 2 }),
        ]);
        for (const line of attempts) expect(line['durationMs']).toEqual(expect.any(Number));
      }, logger);
      // Outside the job, nothing carries its ids.
      logger.info('after');
      expect(lines.at(-1)).not.toHaveProperty('jobId');
    });

    it('does not retry a job whose handler reports it failed', async () => {
      await withBackend(async ({ queue, consume }) => {
        const { calls, handler } = recorder(() => 'failed');
        await queue.enqueue([job(5), job(6)]);
        const consumer = await consume(handler);
        await waitFor(() => (calls.length >= 2 ? true : undefined), 20_000, 'both jobs');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await consumer.close();
        expect(calls).toHaveLength(2);
        expect(await queue.depth()).toBe(0);
      });
    });
  });
}
