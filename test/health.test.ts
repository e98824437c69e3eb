import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestOrigin } from './helpers/origin.ts';

describe('health and readiness', () => {
  it('is live and ready on embedded backends', async () => {
    const origin = await startTestOrigin();
    try {
      expect(await (await fetch(`${origin.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${origin.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok', storage: 'ok', catalog: 'ok', queue: 'ok' });
    } finally {
      await origin.destroy();
    }
  });

  it('is not ready when storage is gone, and only degraded when the queue is', async () => {
    const origin = await startTestOrigin({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const degraded = await fetch(`${origin.url}/readyz`);
      expect(degraded.status).toBe(200);
      expect(await degraded.json()).toMatchObject({ status: 'degraded', storage: 'ok', catalog: 'ok' });
      await rm(join(origin.dataDir, 'objects'), { recursive: true, force: true });
      const down = await fetch(`${origin.url}/readyz`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as { storage: string }).storage).not.toBe('ok');
      expect((await fetch(`${origin.url}/healthz`)).status).toBe(200);
    } finally {
      await origin.destroy();
    }
  });
});
