import { readdir, readlink, realpath } from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { createBatch, uploadMany, waitForBatch } from './helpers/batches.ts';

/** Descriptors of this process (the origin runs in it) open on stored variants. */
async function openVariantFiles(dataDir: string): Promise<number> {
  let open = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dataDir) && target.includes('/variants/')) open += 1;
  }
  return open;
}

describe('batch archive', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(async () => {
    await origin.destroy();
  });

  // Noise PNGs of ~3 MB each: far more than the socket buffers, so the client leaves mid-entry.
  it('a client gone mid-archive leaves no variant file open', async () => {
    const images = await uploadMany(origin.url, 6, { size: [1200, 900] });
    const created = await createBatch(origin.url, { transforms: ['f_png'], images: images.map((image) => image.id) });
    const id = String(created.body['id']);
    await waitForBatch(() => origin.url, id);
    await new Promise<void>((resolve, reject) => {
      const req = request(`${origin.url}/v1/batches/${id}/archive`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(() => reject(new Error('no data')), 10_000);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await openVariantFiles(await realpath(origin.dataDir))).toBe(0);
  }, 120_000);
});
