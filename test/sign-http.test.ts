import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

/** POST /v1/sign (SPEC section 8, Console): the server signs URLs of the tenant's own images; the page never holds a key. */

const KEYS = 'acme:acme-secret-key,beta:beta-secret-key';
const auth = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function upload(origin: TestOrigin, key: string): Promise<string> {
  const png = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#48c' } })
    .png()
    .toBuffer();
  const response = await fetch(`${origin.url}/v1/images`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'image/png' },
    body: png,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('POST /v1/sign with SIGNED_URLS=required', () => {
  let origin: TestOrigin;
  let id: string;

  beforeAll(async () => {
    origin = await startTestOrigin({ API_KEYS: KEYS, SIGNED_URLS: 'required', SIGNING_KEYS: 'sign-key-one,sign-key-old' });
    id = await upload(origin, 'acme-secret-key');
  });
  afterAll(() => origin.destroy());

  const sign = (body: unknown, key = 'acme-secret-key') =>
    fetch(`${origin.url}/v1/sign`, { method: 'POST', headers: auth(key), body: JSON.stringify(body) });

  it('answers URLs that the delivery accepts, with the spelling and SEO name kept', async () => {
    const unsigned = await fetch(`${origin.url}/img/${id}/w_30,c_fill,h_20`);
    expect(unsigned.status).toBe(403);
    const paths = [`/img/${id}/w_30,c_fill,h_20`, `/img/${id}/c_fill,w_30,h_20/card.webp`, `/img/${id}`];
    const response = await sign({ paths });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { urls: string[]; signed: boolean; required: boolean };
    expect(answer.signed).toBe(true);
    expect(answer.required).toBe(true);
    expect(answer.urls).toHaveLength(3);
    answer.urls.forEach((url, index) => expect(url.startsWith(`${paths[index] ?? ''}?sig=`)).toBe(true));
    // Equivalent spellings sign the same canonical path.
    expect(new URL(answer.urls[0] ?? '', origin.url).searchParams.get('sig')).toBe(
      new URL(answer.urls[1] ?? '', origin.url).searchParams.get('sig'),
    );
    for (const url of answer.urls) {
      const image = await fetch(`${origin.url}${url}`);
      expect(image.status, url).toBe(200);
    }
    const variant = await sharp(Buffer.from(await (await fetch(`${origin.url}${answer.urls[0] ?? ''}`)).arrayBuffer())).metadata();
    expect([variant.width, variant.height]).toEqual([30, 20]);
  });

  it('signs with exp, and the URL stops working after it', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const future = past + 3600;
    const answer = (await (await sign({ paths: [`/img/${id}/w_20`], exp: future })).json()) as { urls: string[] };
    expect(answer.urls[0]).toMatch(new RegExp(`\\?exp=${future}&sig=[\\w-]{43}$`));
    expect((await fetch(`${origin.url}${answer.urls[0] ?? ''}`)).status).toBe(200);
    const expired = (await (await sign({ paths: [`/img/${id}/w_20`], exp: past })).json()) as { urls: string[] };
    expect((await fetch(`${origin.url}${expired.urls[0] ?? ''}`)).status).toBe(403);
  });

  it("refuses another tenant's image (404), bad ops (400 invalid_transform) and bad bodies (400), never a 500", async () => {
    const other = await sign({ paths: [`/img/${id}/w_20`] }, 'beta-secret-key');
    expect(other.status).toBe(404);
    const badOps = await sign({ paths: [`/img/${id}/w_0`] });
    expect(badOps.status).toBe(400);
    expect(((await badOps.json()) as { code: string }).code).toBe('invalid_transform');
    for (const body of [
      {},
      { paths: [] },
      { paths: ['/elsewhere/x'] },
      { paths: [`/img/${id}/w_20?sig=x`] },
      { paths: [`/img/${id}/%E0%A4%A`] },
      { paths: ['x'], extra: 1 },
      { paths: [`/img/${id}`], exp: -1 },
    ]) {
      const response = await sign(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const unauthenticated = await fetch(`${origin.url}/v1/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"paths":["/img/x"]}',
    });
    expect(unauthenticated.status).toBe(401);
  });
});

describe('POST /v1/sign without SIGNING_KEYS', () => {
  let origin: TestOrigin;
  afterAll(() => origin.destroy());

  it('answers the paths unchanged with signed: false', async () => {
    origin = await startTestOrigin();
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const uploaded = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
    const { id } = (await uploaded.json()) as { id: string };
    const response = await fetch(`${origin.url}/v1/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [`/img/${id}/w_4`] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ urls: [`/img/${id}/w_4`], signed: false, required: false });
  });
});
