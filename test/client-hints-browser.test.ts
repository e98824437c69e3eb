/**
 * Client hints in a real browser (issue 19): Debian's headless Chromium, driven by playwright-core,
 * opens a page that delegates the width and DPR hints to the image host with
 * `<meta http-equiv="Delegate-CH">`, and whose `<img>` elements say `sizes="333px"`. At a device
 * scale factor of 2 Chromium sends `Sec-CH-Width: 666` with them; the origin answers w_auto with
 * that width (666 with AUTO_WIDTH_STEP=1, 700 with the default step of 100) and dpr_auto with
 * the DPR. The same page without the delegation sends no hint, and gets the fallback. Skipped,
 * with a notice, where there is no Chromium.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium)
  console.warn(`NOTICE: no Chromium at ${chromiumPath} (apt-get install chromium); the client-hints browser test is skipped`);

/** Quiet and reproducible: no sandbox (root in a container), no GPU, nothing that goes online by itself. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Received {
  path: string;
  width: string | undefined;
  dpr: string | undefined;
}

const FORWARDED = ['accept', 'sec-ch-width', 'width', 'sec-ch-dpr', 'dpr'];

/**
 * The image host the page names: an origin behind a loopback front that writes down the hint
 * headers each request brought, then passes the request on with them.
 */
async function recordingFront(origin: TestOrigin, received: Received[]): Promise<{ server: Server; url: string }> {
  const header = (request: IncomingMessage, name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    received.push({ path, width: header(request, 'sec-ch-width'), dpr: header(request, 'sec-ch-dpr') });
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = header(request, name);
      if (value !== undefined) headers[name] = value;
    }
    fetch(`${origin.url}${path}`, { headers })
      .then(async (answer) => {
        response.writeHead(answer.status, Object.fromEntries(answer.headers));
        response.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch((error: unknown) => {
        response.writeHead(502);
        response.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The page: on another port than the images, so it must delegate the hints to their host (or, to show that, not). */
function page(images: { exact: string; stepped: string; doubled: string }, delegateTo: string[] | undefined): string {
  const delegated = ['sec-ch-width', 'sec-ch-dpr'].map((hint) => `${hint} ${(delegateTo ?? []).join(' ')}`).join('; ');
  const meta = delegateTo === undefined ? '' : `<meta http-equiv="Delegate-CH" content="${delegated}">`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>client hints</title>
${meta}
</head><body>
<img id="exact" src="${images.exact}" sizes="333px" alt="">
<img id="stepped" src="${images.stepped}" sizes="333px" alt="">
<img id="doubled" src="${images.doubled}" sizes="333px" alt="">
</body></html>`;
}

describe.skipIf(!hasChromium)('client hints in headless Chromium', { timeout: 120_000 }, () => {
  const received: Received[] = [];
  let exactOrigin: TestOrigin;
  let steppedOrigin: TestOrigin;
  const servers: Server[] = [];
  let pageUrl = '';
  let profile = '';
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    [exactOrigin, steppedOrigin] = await Promise.all([startTestOrigin({ AUTO_WIDTH_STEP: '1' }), startTestOrigin()]);
    const jpeg = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#2a6fdb' } })
      .jpeg()
      .toBuffer();
    const upload = async (origin: TestOrigin) => {
      const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg });
      return ((await response.json()) as { id: string }).id;
    };
    const [exactId, steppedId] = await Promise.all([upload(exactOrigin), upload(steppedOrigin)]);
    const exactFront = await recordingFront(exactOrigin, received);
    const steppedFront = await recordingFront(steppedOrigin, received);
    servers.push(exactFront.server, steppedFront.server);
    // The SEO name differs per page, so the browser's cache never answers for the other page.
    const images = (name: string) => ({
      exact: `${exactFront.url}/img/${exactId}/w_auto/${name}`,
      stepped: `${steppedFront.url}/img/${steppedId}/w_auto/${name}`,
      doubled: `${steppedFront.url}/img/${steppedId}/w_100,dpr_auto/${name}`,
    });
    const html: Record<string, string> = {
      '/': page(images('harbour.jpg'), [exactFront.url, steppedFront.url]),
      '/plain': page(images('plain.jpg'), undefined),
    };
    const pages = createServer((request, response) => {
      const body = html[request.url ?? ''];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    servers.push(pages);
    pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;

    profile = await mkdtemp(join(tmpdir(), 'pixelfront-chromium-hints-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 800 },
      deviceScaleFactor: 2,
      timeout: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await Promise.all([exactOrigin.destroy(), steppedOrigin.destroy()]);
    if (profile !== '') await rm(profile, { recursive: true, force: true });
  });

  /** Loads a page and answers its images' natural sizes by id. */
  async function naturalSizes(path: string): Promise<Record<string, { complete: boolean; width: number; height: number }>> {
    const tab = context?.pages()[0] ?? (await context?.newPage());
    if (tab === undefined) throw new Error('no browser tab');
    await tab.goto(new URL(path, pageUrl).href, { waitUntil: 'load' });
    return tab.evaluate(() => {
      // This runs in the page; the Node side's lib has no DOM types, so the page is reached through globalThis.
      interface PageImage {
        id: string;
        complete: boolean;
        naturalWidth: number;
        naturalHeight: number;
      }
      const inPage = globalThis as unknown as { document: { images: Iterable<PageImage> } };
      return Object.fromEntries(
        [...inPage.document.images].map((image) => [
          image.id,
          { complete: image.complete, width: image.naturalWidth, height: image.naturalHeight },
        ]),
      );
    });
  }

  // First, while the browser has seen no page that delegates: a page must ask for the hints.
  it('sends no width hint to another host unless the page delegates it, and the images get the fallback', async () => {
    const natural = await naturalSizes('/plain');
    const images = received.filter((request) => request.path.endsWith('/plain.jpg'));
    expect(images).toHaveLength(3);
    expect(images.map(({ width, dpr }) => ({ width, dpr }))).toEqual(Array(3).fill({ width: undefined, dpr: undefined }));
    expect(natural).toEqual({
      exact: { complete: true, width: 800, height: 600 },
      stepped: { complete: true, width: 800, height: 600 },
      doubled: { complete: true, width: 100, height: 75 },
    });
  });

  it('sends the slot width in device pixels to the delegated host, and gets an image of that width', async () => {
    const natural = await naturalSizes('/');
    const images = received.filter((request) => request.path.endsWith('/harbour.jpg'));
    // The hints as the origin received them: 333 CSS px at DPR 2, and the DPR itself.
    expect(images.map(({ width, dpr }) => ({ width, dpr }))).toEqual([
      { width: '666', dpr: '2' },
      { width: '666', dpr: '2' },
      { width: '666', dpr: '2' },
    ]);
    expect(natural).toEqual({
      // AUTO_WIDTH_STEP=1: exactly the hint.
      exact: { complete: true, width: 666, height: 500 },
      // The default step rounds 666 up to 700.
      stepped: { complete: true, width: 700, height: 525 },
      // dpr_auto: w_100 at DPR 2.
      doubled: { complete: true, width: 200, height: 150 },
    });
  });
});
