import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip } from './helpers/batches.ts';
import { hasChromium, startConsoleBrowser, type ConsoleBrowser } from './helpers/console-browser.ts';
import { corpusDir, hasCorpus } from './helpers/corpus.ts';

/**
 * The console's views beyond sign-in and upload (issue 17) in headless Chromium against a real
 * origin: image detail (edit tags, delete), the URL builder (the preview changes size, a focal
 * point by click and by keyboard), a batch run from the gallery's selection and its ZIP, a chart
 * read from the statistics, presets and a watermark uploaded through the page; axe on every view,
 * a screenshot of each, the narrow layout at 360 px, and no console errors anywhere.
 */

const KEY = 'acme-views-key';
const auth = { authorization: `Bearer ${KEY}` };

/** Waits for an <img> to have decoded (run in the page; the tests' own lib has no DOM types). */
const decoded = '(img) => img.decode()';

async function upload(browser: ConsoleBrowser, body: Buffer, type: string, filename: string): Promise<string> {
  const response = await fetch(browser.url(`/v1/images?filename=${filename}`), {
    method: 'POST',
    headers: { ...auth, 'content-type': type },
    body,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe.skipIf(!hasChromium)('the console in a browser: detail, URL builder, batches, statistics, presets', { timeout: 240_000 }, () => {
  let browser: ConsoleBrowser;
  const ids: string[] = [];

  beforeAll(async () => {
    browser = await startConsoleBrowser({ env: { API_KEYS: `acme:${KEY}` } });
    // A camera JPEG with EXIF: from the corpus when it is there, else one made here with the same facts.
    const photo = hasCorpus
      ? await readFile(join(corpusDir, 'valid/jpeg_cmyk_with_icc.jpg'))
      : await sharp({ create: { width: 500, height: 333, channels: 3, background: '#c84' } })
          .withExif({ IFD0: { Make: 'Canon', Model: 'Canon EOS 300D DIGITAL' } })
          .jpeg()
          .toBuffer();
    ids.push(await upload(browser, photo, 'image/jpeg', 'canon.jpg'));
    for (const [index, background] of ['#3a7', '#37a'].entries()) {
      const png = await sharp({ create: { width: 600, height: 400, channels: 3, background } })
        .png()
        .toBuffer();
      ids.push(await upload(browser, png, 'image/png', `plain-${index}.png`));
    }
    // A smaller, re-encoded copy of the photo: its near-duplicate.
    ids.push(await upload(browser, await sharp(photo).resize(250).jpeg({ quality: 70 }).toBuffer(), 'image/jpeg', 'canon-small.jpg'));
    await browser.signIn(KEY);
    // Before signing in, the page's GET /v1/sessions/current answered 401, which Chromium logs.
    expect(browser.problems.filter((line) => !/status of 401/.test(line))).toEqual([]);
    browser.problems.length = 0;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  const expectClean = async (view: string) => {
    await browser.screenshot(view);
    expect(await browser.accessibilityViolations(), view).toEqual([]);
    expect(browser.problems, view).toEqual([]);
  };

  it('opens an image from the gallery: its metadata, EXIF, and tags edited by a merge patch', async () => {
    const { page } = browser;
    const photo = ids[0] ?? '';
    await page.goto(browser.url());
    await page.locator(`a[href="/console/images/${photo}"]`).click();
    await page.getByRole('heading', { name: 'canon.jpg' }).waitFor();
    await expect(page.locator('dl.meta').first().innerText()).resolves.toMatch(/500 × 333 px[\s\S]*jpeg/);
    await page.getByRole('heading', { name: 'EXIF and IPTC' }).waitFor();
    await expect(page.locator('dl.meta').nth(1).innerText()).resolves.toMatch(/Camera\s+Canon EOS 300D DIGITAL/);
    // Its re-encoded copy is found by the perceptual hash (GET /v1/images/:id/similar).
    await page
      .getByRole('list', { name: 'Near-duplicates, nearest first' })
      .getByText(/canon-small\.jpg · \d+ bits? apart/)
      .waitFor();
    await page.locator('img.preview').evaluate(decoded);

    await page.getByLabel('Tags', { exact: true }).fill('Workshop, spring , Canon');
    await page.getByLabel('Title', { exact: true }).fill('Workshop in spring');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('heading', { name: 'Workshop in spring' }).waitFor();
    const stored = (await (await fetch(browser.url(`/v1/images/${photo}`), { headers: auth })).json()) as {
      tags: string[];
      title: string;
    };
    expect(stored).toMatchObject({ tags: ['workshop', 'spring', 'canon'], title: 'Workshop in spring' });
    await expectClean('image-detail');
  });

  it("filters the gallery with the catalog's search: words, tags, format, dates, order", async () => {
    const { page } = browser;
    await page.goto(browser.url());
    const tiles = page.locator('ul.grid > li');
    await expect.poll(() => tiles.count()).toBe(4);
    /** Fills the filter form's fields by name (q, tag, format, from, to, sort) and applies it. */
    const filter = async (fields: Record<string, string>) => {
      await page.getByRole('button', { name: 'Clear' }).click();
      for (const [name, value] of Object.entries(fields)) {
        const field = page.locator(`form.filters [name="${name}"]`);
        if (name === 'format' || name === 'sort') await field.selectOption({ label: value });
        else await field.fill(value);
      }
      await page.getByRole('button', { name: 'Filter' }).click();
    };
    const names = () => page.locator('ul.grid .name').allInnerTexts();
    await filter({ tag: 'workshop' });
    await expect.poll(names).toEqual(['Workshop in spring']);
    await filter({ q: 'plain' });
    await expect.poll(names).toEqual(['plain-1.png', 'plain-0.png']);
    await filter({ format: 'png', sort: 'oldest first' });
    await expect.poll(names).toEqual(['plain-0.png', 'plain-1.png']);
    await filter({ sort: 'largest first' });
    await expect.poll(async () => (await names())[0]).toBe('Workshop in spring');
    await filter({ from: '2020-01-01', to: '2020-12-31' });
    await page.getByText('No images match this filter.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => tiles.count()).toBe(4);
    await expectClean('gallery-filtered');
  });

  it('builds a URL: the preview changes size with w, a click sets the focal point, the snippets follow', async () => {
    const { page } = browser;
    const photo = ids[0] ?? '';
    await page.goto(browser.url(`/console/build/${photo}`));
    await page.getByRole('heading', { name: 'URL builder' }).waitFor();
    const size = page.locator('.preview-size');
    await expect.poll(() => size.innerText(), { timeout: 20_000 }).toMatch(/^500 × 333 px/);

    await page.getByLabel('Width', { exact: true }).fill('300');
    await expect.poll(() => size.innerText(), { timeout: 20_000 }).toMatch(/^300 × 200 px/);
    await page.getByLabel('Width', { exact: true }).fill('120');
    await page.getByLabel('Height', { exact: true }).fill('120');
    await page.getByLabel('Resize mode').selectOption('fill');
    await expect.poll(() => size.innerText(), { timeout: 20_000 }).toMatch(/^120 × 120 px/);

    // A click near the top left of the source sets fp (c_fill), canonical and all.
    const picker = page.getByRole('application');
    const box = await picker.boundingBox();
    if (!box) throw new Error('no focal picker');
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.5);
    const canonical = page.getByLabel('Canonical URL');
    await expect.poll(() => canonical.inputValue()).toBe(`${browser.origin.url}/img/${photo}/c_fill,w_120,h_120,fp_0.25:0.5,f_auto`);
    // …and the keyboard moves it.
    await picker.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => canonical.inputValue()).toContain('fp_0.3:0.5');
    const img = await page.getByLabel('img snippet').inputValue();
    expect(img).toContain(
      `srcset="/img/${photo}/c_fill,w_120,h_120,fp_0.3:0.5,f_auto 120w, /img/${photo}/c_fill,w_240,h_240,fp_0.3:0.5,f_auto 240w"`,
    );
    expect(img).toContain('sizes="(max-width: 120px) 100vw, 120px" width="120" height="120"');
    const picture = await page.getByLabel('picture snippet').inputValue();
    expect(picture).toContain('<source type="image/jxl"');
    expect(picture.indexOf('<source type="image/jxl"')).toBeLessThan(picture.indexOf('<source type="image/avif"'));
    expect(picture).toContain('<source type="image/webp"');
    expect(picture).toContain('c_fill,w_120,h_120,fp_0.3:0.5,f_avif 120w');

    // Progressive JPEG (fl_progressive) with an explicit JPEG output.
    await page.locator('select[name="f"]').selectOption('jpeg');
    await page.getByLabel('Progressive JPEG').check();
    await expect.poll(() => canonical.inputValue()).toMatch(/,f_jpeg,fl_progressive$|,fl_progressive,f_jpeg$/);
    await expect.poll(() => size.innerText(), { timeout: 20_000 }).toMatch(/^120 × 120 px/);
    await page.getByLabel('Progressive JPEG').uncheck();
    await page.locator('select[name="f"]').selectOption('auto');
    // A bad value is named by core's grammar, in the page.
    await page.getByLabel('Quality').fill('500');
    await page.getByText(/q_500/).first().waitFor();
    await page.getByLabel('Quality').fill('');
    await expect.poll(() => canonical.inputValue()).toBe(`${browser.origin.url}/img/${photo}/c_fill,w_120,h_120,fp_0.3:0.5,f_auto`);
    await expect.poll(() => size.innerText(), { timeout: 20_000 }).toMatch(/^120 × 120 px/);
    await expectClean('url-builder');
  });

  it('runs a batch on the gallery selection and downloads its ZIP', async () => {
    const { page } = browser;
    await page.goto(browser.url());
    for (const id of ids.slice(1, 3)) await page.locator(`li:has(a[href="/console/images/${id}"]) input[type="checkbox"]`).check();
    await page.getByRole('button', { name: 'Batch…' }).click();
    await page.getByText('2 images chosen in the gallery.').waitFor();
    await page.getByRole('checkbox', { name: /thumb/ }).check();
    await page.getByLabel('Transforms, one per line').fill('w_50,f_webp');
    await page.getByText('→ w_50,f_webp').waitFor();
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.getByText(/completed: 4 of 4 done/).waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the ZIP' }).click()]);
    const entries = readZip(await readFile((await download.path()) ?? ''));
    expect(entries.size).toBe(4);
    for (const [name, bytes] of entries) {
      const meta = await sharp(bytes).metadata();
      expect(name.includes('thumb') ? [meta.width, meta.height] : [meta.width, meta.format], name).toEqual(
        name.includes('thumb') ? [200, 200] : [50, 'webp'],
      );
    }
    await expectClean('batches');
  });

  it('charts the usage and shows the totals for a chosen range', async () => {
    const { page } = browser;
    await page.goto(browser.url('/console/stats'));
    await page.getByRole('heading', { name: /^Totals/ }).waitFor();
    await expect(page.locator('[data-total="uploads"]').innerText()).resolves.toBe('4');
    // Four uPlot charts; the uploads chart's legend names a series per format.
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(4);
    const legend = page.locator('.chart').first().locator('.u-legend');
    await expect(legend.innerText()).resolves.toMatch(/jpeg[\s\S]*png/);
    // Hovering the last day (today) reads the number of PNG uploads off the chart's legend.
    const plot = page.locator('.chart').first().locator('.u-over');
    const area = await plot.boundingBox();
    if (!area) throw new Error('no chart');
    await page.mouse.move(area.x + area.width - 1, area.y + area.height / 2);
    await expect.poll(() => legend.locator('.u-series', { hasText: 'png' }).innerText()).toMatch(/png\s*2$/);
    await expect(legend.locator('.u-series', { hasText: 'jpeg' }).innerText()).resolves.toMatch(/jpeg\s*2$/);
    await page.getByText('The numbers as a table').click();
    const today = new Date().toISOString().slice(0, 10);
    await expect(page.locator('details table tbody tr', { hasText: `${today}png2` }).count()).resolves.toBe(1);
    // A range without today: nothing.
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('To').fill('2020-01-31');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('No activity in this range.').waitFor();
    await page.getByLabel('From').fill(new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10));
    await page.getByLabel('To').fill(new Date().toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('heading', { name: /^Totals/ }).waitFor();
    await expect.poll(() => page.locator('[data-total="uploads"]').innerText()).toBe('4');
    await expectClean('statistics');
  });

  it('lists the presets and uploads a watermark the URL builder then offers', async () => {
    const { page } = browser;
    await page.goto(browser.url('/console/presets'));
    await page.getByRole('cell', { name: 'c_fill,w_200,h_200' }).waitFor();
    const logo = await sharp({ create: { width: 80, height: 40, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0.6 } } })
      .png()
      .toBuffer();
    await page.getByLabel('Name').fill('logo');
    await page.getByLabel('Image').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo });
    await page.getByRole('button', { name: 'Upload watermark' }).click();
    await page.getByText('Watermark logo uploaded: use wm_logo.').waitFor();
    await page.locator('.watermarks img[alt="watermark logo"]').evaluate(decoded);
    await expectClean('presets-and-watermarks');

    await page.goto(browser.url(`/console/build/${ids[0] ?? ''}`));
    await page.getByLabel('Watermark').selectOption('logo');
    await page.getByLabel('Width', { exact: true }).fill('200');
    await expect.poll(() => page.getByLabel('Canonical URL').inputValue()).toContain('w_200,wm_logo,f_auto');
    await expect.poll(() => page.locator('.preview-size').innerText(), { timeout: 20_000 }).toMatch(/^200 × 133 px/);
    expect(browser.problems).toEqual([]);
  });

  it('works at 360 px wide without sideways scrolling, and in dark mode', async () => {
    const narrow = await browser.context.newPage();
    await narrow.setViewportSize({ width: 360, height: 780 });
    // The narrow pass also runs in the dark colour scheme, so axe checks its contrast too.
    await narrow.emulateMedia({ colorScheme: 'dark' });
    for (const [name, path] of [
      ['narrow-url-builder', `/console/build/${ids[1] ?? ''}`],
      ['narrow-image-detail', `/console/images/${ids[0] ?? ''}`],
      ['narrow-statistics', '/console/stats'],
      ['narrow-batches', '/console/batches'],
      ['narrow-presets', '/console/presets'],
    ] as const) {
      await narrow.goto(browser.url(path));
      await narrow.locator('main h1').first().waitFor();
      await narrow.waitForLoadState('networkidle');
      // What sticks out on the right, named, so a failure says where.
      const wide = await narrow.evaluate<string[]>(`[...document.querySelectorAll('main *')]
        .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .filter((element) => !element.closest('.table-wrap'))
        .map((element) => element.tagName.toLowerCase() + '.' + element.className)
        .slice(0, 5)`);
      const overflow = await narrow.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `${name}: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
      await browser.screenshot(name, narrow);
      expect(await browser.accessibilityViolations(narrow), name).toEqual([]);
    }
    await narrow.close();
    expect(browser.problems).toEqual([]);
  });

  it('deletes an image after a confirmation reached by keyboard alone', async () => {
    const { page } = browser;
    const doomed = ids[2] ?? '';
    await page.goto(browser.url(`/console/images/${doomed}`));
    const ask = page.getByRole('button', { name: 'Delete this image…' });
    await ask.focus();
    await page.keyboard.press('Enter');
    // Focus is on the confirmation; Enter confirms.
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Delete for good');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Gallery' }).waitFor();
    expect((await fetch(browser.url(`/v1/images/${doomed}`), { headers: auth })).status).toBe(404);
    expect(browser.problems).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('the console in a browser under SIGNED_URLS=required', { timeout: 180_000 }, () => {
  let browser: ConsoleBrowser;
  let id: string;

  beforeAll(async () => {
    browser = await startConsoleBrowser({ env: { API_KEYS: `acme:${KEY}`, SIGNED_URLS: 'required', SIGNING_KEYS: 'views-signing-key' } });
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#a63' } })
      .png()
      .toBuffer();
    id = await upload(browser, png, 'image/png', 'signed.png');
    await browser.signIn(KEY);
    expect(browser.problems.filter((line) => !/status of 401/.test(line))).toEqual([]);
    browser.problems.length = 0;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the gallery, the detail and the builder with URLs the service signed, none refused', async () => {
    const { page } = browser;
    expect((await fetch(browser.url(`/img/${id}/w_200`))).status).toBe(403);
    await page.goto(browser.url());
    const tile = page.locator('ul.grid img').first();
    await tile.evaluate(decoded);
    expect(await tile.getAttribute('src')).toMatch(/\?sig=[\w-]{43}$/);

    await page.goto(browser.url(`/console/images/${id}`));
    await page.locator('img.preview').evaluate(decoded);
    expect(await page.getByRole('link', { name: 'Download original' }).getAttribute('href')).toMatch(new RegExp(`^/img/${id}\\?sig=`));

    await page.goto(browser.url(`/console/build/${id}`));
    await page.getByLabel('Width', { exact: true }).fill('200');
    await expect.poll(() => page.locator('.preview-size').innerText(), { timeout: 20_000 }).toMatch(/^200 × 150 px/);
    const signedUrl = await page.getByLabel('Signed URL').inputValue();
    expect(signedUrl).toMatch(new RegExp(`/img/${id}/w_200,f_auto\\?sig=[\\w-]{43}$`));
    expect((await fetch(signedUrl)).status).toBe(200);
    const snippet = await page.getByLabel('img snippet').inputValue();
    const [, src] = /src="([^"]+)"/.exec(snippet) ?? [];
    expect(src).toMatch(/\?sig=/);
    expect((await fetch(browser.url(src ?? ''))).status).toBe(200);
    await browser.screenshot('url-builder-signed');
    expect(browser.problems).toEqual([]);
  });
});
