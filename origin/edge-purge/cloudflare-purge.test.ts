import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { testConfig } from '../../test/helpers/config.ts';
import { createLogger } from '../logger.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import { CloudflarePurger } from './cloudflare-purge.ts';
import { startFakeCloudflare, type FakeAnswer } from '../../test/helpers/fake-cloudflare.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup(answer: (call: number) => FakeAnswer, options: { timeoutMs?: number; retryDelaysMs?: number[] } = {}) {
  const fake = await startFakeCloudflare(answer);
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const purger = new CloudflarePurger(
    {
      apiUrl: fake.url,
      zoneId: 'zone123',
      apiToken: 'secret-token',
      timeoutMs: options.timeoutMs ?? 1_000,
      retryDelaysMs: options.retryDelaysMs ?? [20, 40],
    },
    logger,
  );
  closers.push(fake.close, () => purger.close());
  return { fake, purger, lines };
}

describe('CloudflarePurger', () => {
  it("posts the image's tag to the zone's purge_cache with the Bearer token", async () => {
    const { fake, purger, lines } = await setup(() => ({ status: 200 }));
    await purger.purgeImage('abcdEFGH1234');
    expect(fake.calls).toEqual([
      {
        method: 'POST',
        path: '/client/v4/zones/zone123/purge_cache',
        authorization: 'Bearer secret-token',
        contentType: 'application/json',
        body: { tags: ['img-abcdEFGH1234'] },
      },
    ]);
    expect(lines.filter((line) => line['level'] !== 'debug')).toEqual([]);
  });

  it('retries 5xx, 429 and success:false in the background until it succeeds', async () => {
    const answers: FakeAnswer[] = [
      { status: 503 },
      { status: 429 },
      { status: 200, body: { success: false, errors: [{ code: 1 }] } },
      { status: 200 },
    ];
    const { fake, purger, lines } = await setup((call) => answers[call - 1] ?? { status: 200 }, { retryDelaysMs: [10, 10, 10] });
    const started = performance.now();
    await purger.purgeImage('id-retries');
    expect(fake.calls).toHaveLength(1); // only the first attempt was awaited
    expect(performance.now() - started).toBeLessThan(1_000);
    await waitFor(() => (fake.calls.length === 4 ? true : undefined), 5_000, 'four attempts');
    await waitFor(
      () => (lines.some((line) => line['msg'] === 'edge purge succeeded after retrying') ? true : undefined),
      5_000,
      'the success log',
    );
    expect(fake.calls.every((call) => JSON.stringify(call.body) === '{"tags":["img-id-retries"]}')).toBe(true);
    expect(lines.filter((line) => line['level'] === 'warn')).toHaveLength(3);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('times out a hanging call, retries, and gives up after the last retry with an error log', async () => {
    const { fake, purger, lines } = await setup(() => 'hang', { timeoutMs: 100, retryDelaysMs: [10, 10] });
    const started = performance.now();
    await purger.purgeImage('id-hangs');
    expect(performance.now() - started).toBeLessThan(1_000);
    const failure = await waitFor(() => lines.find((line) => line['level'] === 'error'), 5_000, 'the final error');
    expect(failure).toMatchObject({ msg: 'edge purge failed; purge the tag by hand', tag: 'img-id-hangs', attempts: 3 });
    expect(String(failure['reason'])).toMatch(/timed out/);
    expect(fake.calls).toHaveLength(3);
  });

  it('does not retry a refused token or zone (4xx), and never throws', async () => {
    const { fake, purger, lines } = await setup(() => ({ status: 403 }));
    await expect(purger.purgeImage('id-forbidden')).resolves.toBeUndefined();
    expect(fake.calls).toHaveLength(1);
    expect(lines.find((line) => line['level'] === 'error')).toMatchObject({ tag: 'img-id-forbidden', attempts: 1 });
  });

  it('survives an unreachable API and abandons its retries at close', async () => {
    const fake = await startFakeCloudflare();
    await fake.close(); // nothing listens there any more
    const lines: string[] = [];
    const purger = new CloudflarePurger(
      { apiUrl: fake.url, zoneId: 'z1', apiToken: 't', retryDelaysMs: [60_000] },
      createLogger('warn', (line) => lines.push(line)),
    );
    await expect(purger.purgeImage('id-offline')).resolves.toBeUndefined();
    await purger.close();
    expect(lines.join('\n')).toMatch(/retries abandoned at shutdown/);
  });
});

describe('Cloudflare purge configuration', () => {
  it('is off by default, on with zone and token, and refuses one without the other', () => {
    expect(testConfig().cloudflarePurge).toBeUndefined();
    expect(testConfig({ CLOUDFLARE_ZONE_ID: 'abc123', CLOUDFLARE_API_TOKEN: 'tok' }).cloudflarePurge).toEqual({
      apiUrl: 'https://api.cloudflare.com/client/v4',
      zoneId: 'abc123',
      apiToken: 'tok',
    });
    expect(() => loadConfig({ CLOUDFLARE_ZONE_ID: 'abc123' })).toThrow(/set both/);
    expect(() => loadConfig({ CLOUDFLARE_API_TOKEN: 'tok', CLOUDFLARE_ZONE_ID: '../x' })).toThrow(/CLOUDFLARE_ZONE_ID/);
  });
});
