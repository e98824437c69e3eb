import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startConsoleBrowser, type ConsoleBrowser } from './helpers/console-browser.ts';
import { corpusDir, hasCorpus } from './helpers/corpus.ts';

/**
 * The console's sign-in and Upload view in headless Chromium against a real origin (issue 17):
 * files go through Uppy's Dashboard, small ones as one POST /v1/images, a generated ≥ 20 MB one
 * through the resumable /v1/uploads in parts; one is cropped in the editor first. One browser for
 * the file; the steps run in order and share the session.
 */

const KEY = 'acme-console-key';
/** Below the console's 8 MiB multipart threshold, so that a mid-sized file meets a 413. */
const MAX_UPLOAD_BYTES = 6 * 1024 * 1024;
const bearer = { authorization: `Bearer ${KEY}` };
const corpus = ['valid/jpeg_icc_exif_flower.jpg', 'valid/png_rgb_8bit.png', 'valid/webp_lossy_1024x772.webp'];
/** Refused by the service: not a PNG by its bytes (415), and a PNG cut short (422). */
const refused = ['malformed/png_bad_signature_xs1n0g01.png', 'malformed/png_truncated_10000_bytes.png'];

async function noisePng(path: string, width: number, height: number): Promise<void> {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  await sharp(noise, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toFile(path);
}

interface ImageAnswer {
  id: string;
  filename: string | null;
  width: number;
  height: number;
  title: string | null;
  alt: string | null;
  tags: string[];
}

describe.skipIf(!hasChromium || !hasCorpus)('the console in a browser: sign-in and upload', { timeout: 240_000 }, () => {
  let browser: ConsoleBrowser;
  let work: string;
  let large: string;
  let paused: string;
  let medium: string;
  let nearCopy: string;

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(browser.url(path), { headers: bearer });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const images = async () => (await api<{ items: ImageAnswer[] }>('/v1/images?limit=100')).items;
  const byName = async (name: string) => (await images()).find((image) => image.filename === name);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pixelfront-upload-browser-'));
    // No corpus file is this large: random noise barely compresses, so a 2900×2500 RGB PNG is ≥ 20 MB.
    large = join(work, 'noise-large.png');
    paused = join(work, 'noise-paused.png');
    for (const path of [large, paused]) await noisePng(path, 2900, 2500);
    medium = join(work, 'noise-medium.png');
    await noisePng(medium, 1600, 1500); // about 7 MB: over MAX_UPLOAD_BYTES below, under the multipart threshold
    // A near copy of a corpus image the test stores: smaller and re-encoded, so other bytes.
    nearCopy = join(work, 'near-copy.jpg');
    await sharp(join(corpusDir, corpus[2] ?? ''))
      .resize({ width: 700 })
      .jpeg({ quality: 80 })
      .toFile(nearCopy);
    browser = await startConsoleBrowser({ env: { API_KEYS: `acme:${KEY}`, MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses a wrong key and shows why', async () => {
    await expect(browser.signIn('not-the-key')).rejects.toThrow(/sign-in refused: .+/);
    expect(await browser.context.cookies()).toEqual([]);
    // The refusal's 401 is logged by Chromium as a failed resource load; nothing else may be.
    expect(browser.problems.filter((line) => !/status of 401/.test(line))).toEqual([]);
    browser.problems.length = 0;
  });

  it('signs in with a key: a session cookie, the gallery, no accessibility faults', async () => {
    await browser.signIn(KEY);
    const [cookie] = await browser.context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await browser.page.getByRole('heading', { name: 'Gallery' }).waitFor();
    expect(await browser.accessibilityViolations()).toEqual([]);
    expect(browser.problems).toEqual([]);
  });

  it('loads the uploader on demand and passes axe with files in it', async () => {
    const { page } = browser;
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.getByRole('link', { name: 'Upload', exact: true }).click();
    await page.locator('.uppy-Dashboard').waitFor();
    // Uppy came in its own chunk, fetched now, not with the first view.
    expect(scripts.some((path) => /\/assets\/create-uploader-[\w-]+\.js$/.test(path))).toBe(true);

    // With the keyboard alone: Tab to "browse files", Enter opens the file chooser.
    // Listening before the key press: playwright turns on file-chooser interception asynchronously.
    const chosen = page.waitForEvent('filechooser');
    const browse = page.locator('.uppy-Dashboard-browse').first();
    await browse.waitFor();
    await page.locator('#main').focus();
    for (let presses = 0; presses < 40 && !(await browse.evaluate((button) => button === button.ownerDocument.activeElement)); presses++) {
      await page.keyboard.press('Tab');
    }
    expect(await browse.evaluate((button) => button === button.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    const chooser = await chosen;
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles([...corpus.map((file) => join(corpusDir, file)), large]);
    await expect.poll(() => page.locator('.uppy-Dashboard-Item').count()).toBe(4);
    await browser.screenshot('upload');
    expect(await browser.accessibilityViolations()).toEqual([]);
  });

  it('gives one file a title, alt text and tags and crops it square in the editor', async () => {
    const { page } = browser;
    const item = page.locator('.uppy-Dashboard-Item', { hasText: 'jpeg_icc_exif_flower.jpg' });
    await item.locator('.uppy-Dashboard-Item-action--edit').click();
    // Uppy's file card may still re-render its fields just after opening (once in CI a value
    // typed into one field landed in another), so each field is filled until all three hold
    // their values; the last test checks what was stored.
    const fields = {
      '#uppy-Dashboard-FileCard-input-title': 'Flower in the garden',
      '#uppy-Dashboard-FileCard-input-alt': 'A pink flower against dark leaves',
      '#uppy-Dashboard-FileCard-input-tags': 'Garden, flower',
    };
    await expect
      .poll(async () => {
        for (const [selector, value] of Object.entries(fields))
          if ((await page.locator(selector).inputValue()) !== value) await page.locator(selector).fill(value);
        const values = await Promise.all(Object.keys(fields).map((selector) => page.locator(selector).inputValue()));
        return values;
      })
      .toEqual(Object.values(fields));
    await page.getByRole('button', { name: 'Edit image' }).click();
    await page.locator('.cropper-crop-box').waitFor();
    await browser.screenshot('upload-editor');
    await page.getByRole('button', { name: 'Crop square' }).click();
    await page.locator('.uppy-DashboardContent-save').click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.uppy-Dashboard-FileCard').waitFor({ state: 'detached' });
  });

  it('uploads them: small files in one request, the 20 MB one in parts, each listed as stored', async () => {
    const { page } = browser;
    expect((await stat(large)).size).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (/\/v1\/(images|uploads)/.test(request.url())) sent.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    const stored = page.locator('.uploaded li');
    await expect.poll(() => stored.count(), { timeout: 120_000 }).toBe(4);
    expect(sent.filter((line) => line === 'POST /v1/images')).toHaveLength(3);
    expect(sent.filter((line) => /^PUT \/v1\/uploads\/[\w-]+\/parts\/\d+$/.test(line)).length).toBeGreaterThanOrEqual(3);
    expect(sent.filter((line) => /^POST \/v1\/uploads\/[\w-]+\/complete$/.test(line))).toHaveLength(1);
    await browser.screenshot('upload-done');
    expect(browser.problems).toEqual([]);
  });

  it('stored the editor’s crop and the file’s title, alt and tags', async () => {
    const flower = await byName('jpeg_icc_exif_flower.jpg');
    const original = await sharp(join(corpusDir, corpus[0] ?? '')).metadata();
    expect(flower).toMatchObject({ title: 'Flower in the garden', alt: 'A pink flower against dark leaves', tags: ['garden', 'flower'] });
    // Crop square of the whole image: the shorter side, less at most the 1 px the editor trims off an odd side.
    const shorter = Math.min(original.width, original.height);
    expect(flower?.width).toBe(flower?.height);
    expect(flower?.width).toBeGreaterThanOrEqual(shorter - 1);
    expect(flower?.width).toBeLessThanOrEqual(shorter);
    expect(original.width).not.toBe(original.height);

    const noise = await byName('noise-large.png');
    expect(noise).toMatchObject({ width: 2900, height: 2500 });
    const uploads = await api<{ items: unknown[] }>('/v1/uploads');
    expect(uploads.items).toEqual([]); // the multipart upload is completed, none is left open
  });

  it('pauses a multipart upload between parts and resumes it without sending the stored parts again', async () => {
    const { page } = browser;
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/parts/')) puts.push(new URL(request.url()).pathname);
    });
    // Slow the browser's uploads (2 MB/s) so that there is time to pause between parts.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2_000_000 });
    try {
      await page.locator('.uppy-DashboardContent-addMore').click();
      await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(paused);
      await page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first().click();
      const open = async () => (await api<{ items: { uploadId: string; receivedParts: number }[] }>('/v1/uploads')).items[0];
      await expect.poll(async () => (await open())?.receivedParts ?? 0, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(1);
      await page.locator('button[data-cy="togglePauseResume"]').click();
      // Parts run in parallel, so any of them may be the one that arrived; a part in flight at the pause is cut off.
      const held = async () => {
        const id = (await open())?.uploadId ?? '';
        return (await api<{ parts: { partNumber: number }[] }>(`/v1/uploads/${id}`)).parts.map((part) => part.partNumber);
      };
      await new Promise((resolve) => setTimeout(resolve, 500));
      const atPause = await held();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await held()).toEqual(atPause); // nothing arrives while paused
      expect(atPause.length).toBeGreaterThanOrEqual(1);
      expect(atPause.length).toBeLessThan(3);
      const sentBefore = puts.length;
      await page.locator('button[data-cy="togglePauseResume"]').click();
      await expect.poll(() => page.locator('.uploaded li').count(), { timeout: 60_000 }).toBe(5);
      // The resume asked which parts the service holds and sent only the others.
      const resent = puts.slice(sentBefore).map((path) => Number(path.split('/').pop()));
      expect(resent.length).toBeGreaterThanOrEqual(1);
      for (const part of atPause) expect(resent).not.toContain(part);
      expect(await byName('noise-paused.png')).toMatchObject({ width: 2900, height: 2500 });
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    expect(browser.problems).toEqual([]);
  });

  it('sends a file that one request may not carry (413) again at once, in parts', async () => {
    const { page } = browser;
    expect((await stat(medium)).size).toBeGreaterThan(MAX_UPLOAD_BYTES);
    const answers: string[] = [];
    page.on('response', (response) => {
      if (/\/v1\/(images|uploads)/.test(response.url()))
        answers.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
    });
    await page.locator('.uppy-DashboardContent-addMore').click();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(medium);
    await page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first().click();
    await expect.poll(() => page.locator('.uploaded li').count(), { timeout: 60_000 }).toBe(6);
    expect(answers[0]).toBe('POST /v1/images 413');
    expect(answers.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^POST \/v1\/uploads 201$/),
        expect.stringMatching(/^POST \/v1\/uploads\/[\w-]+\/complete 201$/),
      ]),
    );
    expect(await page.locator('.rejected li').count()).toBe(0);
    expect(await byName('noise-medium.png')).toMatchObject({ width: 1600, height: 1500 });
    // Chromium logs the 413 as a failed load, and Uppy logs its detail.
    expect(browser.problems.filter((line) => !/status of 413|\[Uppy\] .*multipart upload/.test(line))).toEqual([]);
    browser.problems.length = 0;
  });

  it('refuses a near-duplicate when asked to (409 with its detail), and stores it when not', async () => {
    const { page } = browser;
    const before = (await images()).length;
    await page.getByLabel(/Refuse near-duplicates/).check();
    await page.locator('.uppy-DashboardContent-addMore').click();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(nearCopy);
    await page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first().click();
    const row = page.locator('.rejected li', { hasText: 'near-copy.jpg' });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.innerText()).toMatch(/near-copy\.jpg: the tenant has images within Hamming distance \d+ of this one/);
    expect((await images()).length).toBe(before);
    expect(browser.problems.filter((line) => !/status of 409|\[Uppy\] .*Hamming distance/.test(line))).toEqual([]);
    browser.problems.length = 0;

    // Refused files leave the Dashboard (it would take no new upload while one stayed); the list keeps them.
    await expect.poll(() => page.locator('.uppy-Dashboard-Item', { hasText: 'near-copy.jpg' }).count()).toBe(0);
    await page.getByLabel(/Refuse near-duplicates/).uncheck();
    await page.locator('.uppy-DashboardContent-addMore').click();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(nearCopy);
    await page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first().click();
    await page.locator('.uploaded li', { hasText: 'near-copy.jpg' }).waitFor({ timeout: 30_000 });
    expect(await row.count()).toBe(0);
    expect((await images()).length).toBe(before + 1);
    expect(browser.problems).toEqual([]);
  });

  it('keeps a file that met a passing trouble (503) in the Dashboard, and Retry stores it', async () => {
    const { page } = browser;
    // The one place the test stands in for the service: its first answer to this file is a 503.
    let refusals = 0;
    await page.route(/\/v1\/images\?filename=png_palette_8bit\.png/, async (route) => {
      if (refusals++ > 0) return route.continue();
      return route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Unavailable',
          status: 503,
          detail: 'the service is busy; retry shortly',
          code: 'unavailable',
        }),
      });
    });
    try {
      await page.locator('.uppy-DashboardContent-addMore').click();
      await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(join(corpusDir, 'valid/png_palette_8bit.png'));
      await page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first().click();
      const row = page.locator('.rejected li', { hasText: 'png_palette_8bit.png' });
      await row.waitFor({ timeout: 30_000 });
      expect(await row.innerText()).toContain('the service is busy; retry shortly');
      expect(await page.locator('.uppy-Dashboard-Item', { hasText: 'png_palette_8bit.png' }).count()).toBe(1);
      await page.locator('.uppy-StatusBar-actionBtn--retry').click();
      await page.locator('.uploaded li', { hasText: 'png_palette_8bit.png' }).waitFor({ timeout: 30_000 });
      expect(await row.count()).toBe(0);
      expect(refusals).toBe(2);
      expect(await byName('png_palette_8bit.png')).toBeDefined();
    } finally {
      await page.unroute(/\/v1\/images\?filename=png_palette_8bit\.png/);
    }
    expect(browser.problems.filter((line) => !/status of 503|\[Uppy\] .*busy/.test(line))).toEqual([]);
    browser.problems.length = 0;
  });

  it('shows the detail of each refused file and stores none of them', async () => {
    const { page } = browser;
    const before = (await images()).length;
    await page.locator('.uppy-DashboardContent-addMore').click();
    await page
      .locator('input.uppy-Dashboard-input[type=file]')
      .first()
      .setInputFiles(refused.map((file) => join(corpusDir, file)));
    await page.locator('.uppy-StatusBar-actionBtn--upload, .uppy-StatusBar-actionBtn--uploadNewlyAdded').first().click();
    const rows = page.locator('.rejected li');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    const text = await page.locator('.rejected').innerText();
    expect(text).toContain('png_bad_signature_xs1n0g01.png');
    expect(text).toContain('png_truncated_10000_bytes.png');
    // The problems' own words, not a generic failure.
    for (const line of await rows.allInnerTexts()) expect(line).toMatch(/: .{12,}/);
    expect(text).not.toMatch(/Non 2xx|Unknown error/);
    expect((await images()).length).toBe(before);
    await expect.poll(() => page.locator('.uppy-Dashboard-Item', { hasText: /png_bad_signature|png_truncated/ }).count()).toBe(0);
    await browser.screenshot('upload-rejected');
    expect(await browser.accessibilityViolations()).toEqual([]);
    // Chromium logs each refusal (415, 422) as a failed resource load, and Uppy logs its detail as an error.
    const expected = /status of 415|status of 422|\[Uppy\] .*(not an image|does not decode)/;
    expect(browser.problems.filter((line) => !expected.test(line))).toEqual([]);
    browser.problems.length = 0;
  });

  it('shows the uploads in the gallery, and passes axe there', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Gallery', exact: true }).click();
    const tiles = page.locator('ul.grid li.tile');
    await expect.poll(() => tiles.count()).toBe(8);
    const names = await page.locator('ul.grid .name').allInnerTexts();
    expect(names).toEqual(
      expect.arrayContaining([
        'Flower in the garden',
        'png_rgb_8bit.png',
        'webp_lossy_1024x772.webp',
        'noise-large.png',
        'noise-paused.png',
      ]),
    );
    expect(names.join(' ')).not.toMatch(/png_bad_signature|png_truncated/);
    await expect.poll(() => page.locator('ul.grid img.loaded').count(), { timeout: 30_000 }).toBe(8);
    await browser.screenshot('gallery');
    expect(await browser.accessibilityViolations()).toEqual([]);
    expect(browser.problems).toEqual([]);
  });

  it('fits the upload view into 360 px without sideways scrolling, and passes axe there', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 360, height: 780 });
    try {
      await page.getByRole('link', { name: 'Upload', exact: true }).click();
      await page.locator('.uppy-Dashboard').waitFor();
      await page
        .locator('input.uppy-Dashboard-input[type=file]')
        .first()
        .setInputFiles(join(corpusDir, corpus[1] ?? ''));
      await page.locator('.uppy-Dashboard-Item').first().waitFor();
      expect(
        await page.evaluate(
          () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
        ),
      ).toBeLessThanOrEqual(360);
      await browser.screenshot('upload-narrow');
      expect(await browser.accessibilityViolations()).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    expect(browser.problems).toEqual([]);
  });

  it('ignores a cross-site form post: SameSite=Strict keeps the cookie off, and nothing is stored', async () => {
    const before = (await images()).length;
    // Another site (localhost is not 127.0.0.1 to the browser) with a form aimed at the service.
    const hostile: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<form method="post" enctype="multipart/form-data" action="${browser.url('/v1/images')}">` +
          '<input type="file" name="files"><button>Send</button></form>',
      );
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const address = hostile.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const page = await browser.context.newPage();
    try {
      await page.goto(`http://localhost:${port}/`);
      await page.locator('input[type=file]').setInputFiles(join(corpusDir, 'valid/png_grey_8bit.png'));
      const [answer] = await Promise.all([page.waitForResponse((response) => response.url().includes('/v1/images')), page.click('button')]);
      expect(answer.status()).toBe(401);
      expect((await images()).length).toBe(before);
    } finally {
      await page.close();
      hostile.closeAllConnections();
      await new Promise((resolve) => hostile.close(resolve));
      browser.problems.length = 0; // the hostile page's own 401 is logged by Chromium
    }
  });

  it('signs out, after which the cookie is refused', async () => {
    const cookies = await browser.context.cookies();
    await browser.signOut();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(browser.url('/v1/images'), { headers: { cookie } })).status).toBe(401);
    await browser.page.reload();
    await browser.page.getByLabel('API key').waitFor();
  });
});
