import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnOrigin, type SpawnedOrigin } from './helpers/origin.ts';
import { waitFor } from './helpers/wait-for.ts';
import { archive, createBatch, progress, uploadMany, waitForBatch } from './helpers/batches.ts';

// The waits inside the test, and a test timeout above their sum (plus two origin starts), so a
// wait that runs out fails with its own message instead of vitest's bare timeout.
const firstVariantsMs = 60_000;
const batchMs = 120_000;
const testTimeoutMs = firstVariantsMs + batchMs + 90_000;

describe('in-process batches across an origin restart', () => {
  const started: SpawnedOrigin[] = [];
  let dataDir = '';
  afterAll(async () => {
    // stop() waits for an exit event, which a process killed earlier has already sent.
    const running = started.filter((origin) => origin.child.exitCode === null && origin.child.signalCode === null);
    await Promise.all(running.map((origin) => origin.stop('SIGKILL')));
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes a batch whose origin was killed mid-batch once it starts again', { timeout: testTimeoutMs }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-restart-'));
    const env = { DATA_DIR: dataDir };
    const first = await spawnOrigin(env);
    started.push(first);
    // Small renders: the test is about the restart, not about render speed on a shared host.
    const images = await uploadMany(first.url, 10, { size: [800, 600] });
    const created = await createBatch(first.url, {
      transforms: ['w_600,f_avif', 'w_450,f_webp', 'c_fill,w_250,h_250,f_avif'],
      images: images.map((image) => image.id),
    });
    expect(created.body).toMatchObject({ total: 30 });
    const id = String(created.body['id']);

    await waitFor(async () => ((await progress(first.url, id)).done >= 2 ? true : undefined), firstVariantsMs, 'the first variants');
    await first.stop('SIGKILL');

    const second = await spawnOrigin(env);
    started.push(second);
    const atRestart = await progress(second.url, id);
    expect(atRestart.done, 'killed mid-batch').toBeLessThan(30);
    const finished = await waitForBatch(() => second.url, id, { timeoutMs: batchMs });
    expect(finished, second.output()).toMatchObject({ state: 'completed', total: 30, done: 30, failed: 0 });
    expect(second.output()).toContain('resuming unfinished batches');

    const entries = await archive(second.url, id);
    expect(entries.size).toBe(30);
    for (const [name, data] of entries) {
      const { info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
      expect(info.width, name).toBeGreaterThan(0);
    }
  });
});
