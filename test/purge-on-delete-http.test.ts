import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { waitFor } from './helpers/wait-for.ts';
import { startFakeCloudflare, type FakeAnswer } from './helpers/fake-cloudflare.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function originWithFake(answer: (call: number) => FakeAnswer) {
  const fake = await startFakeCloudflare(answer);
  const origin: TestOrigin = await startTestOrigin({
    CLOUDFLARE_ZONE_ID: 'zone42',
    CLOUDFLARE_API_TOKEN: 'cf-token-1',
    CLOUDFLARE_API_URL: fake.url,
  });
  closers.push(() => origin.destroy(), fake.close);
  return { fake, origin };
}

async function uploadImage(url: string): Promise<string> {
  const body = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#8844aa' } })
    .png()
    .toBuffer();
  const response = await fetch(`${url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body });
  const image = (await response.json()) as { id: string };
  expect(response.status).toBe(201);
  return image.id;
}

describe('DELETE /v1/images/:id purges the edge cache', () => {
  it("purges the image's Cache-Tag through the zone's purge_cache API before answering 204", async () => {
    const { fake, origin } = await originWithFake(() => ({ status: 200 }));
    const id = await uploadImage(origin.url);
    expect(fake.calls).toEqual([]); // uploads purge nothing
    const deleted = await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(fake.calls).toEqual([
      {
        method: 'POST',
        path: '/client/v4/zones/zone42/purge_cache',
        authorization: 'Bearer cf-token-1',
        contentType: 'application/json',
        body: { tags: [`img-${id}`] },
      },
    ]);
    expect((await fetch(`${origin.url}/img/${id}`)).status).toBe(404);
    // An unknown image purges nothing.
    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect(fake.calls).toHaveLength(1);
  });

  it('still deletes when the purge fails, and retries it in the background', async () => {
    const { fake, origin } = await originWithFake((call) => (call === 1 ? { status: 502 } : { status: 200 }));
    const id = await uploadImage(origin.url);
    const deleted = await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${origin.url}/v1/images/${id}`)).status).toBe(404);
    // The first retry waits a second.
    await waitFor(() => (fake.calls.length === 2 ? true : undefined), 5_000, 'the retried purge');
    expect(fake.calls[1]?.body).toEqual({ tags: [`img-${id}`] });
  });

  it('makes no call when the zone is not configured', async () => {
    const fake = await startFakeCloudflare();
    const origin = await startTestOrigin({ CLOUDFLARE_API_URL: fake.url });
    closers.push(() => origin.destroy(), fake.close);
    const id = await uploadImage(origin.url);
    expect((await fetch(`${origin.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(fake.calls).toEqual([]);
  });
});
