import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startConsoleBrowser, type ConsoleBrowser } from './helpers/console-browser.ts';

/**
 * The console's sign-in and upload in headless Chromium against a real origin (issue 17). One
 * browser for the file; the steps run in order and share the session.
 */

const KEY = 'acme-console-key';

describe.skipIf(!hasChromium)('the console in a browser: sign-in and upload', { timeout: 180_000 }, () => {
  let browser: ConsoleBrowser;

  beforeAll(async () => {
    browser = await startConsoleBrowser({ env: { API_KEYS: `acme:${KEY}` } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
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
    await browser.screenshot('gallery-empty');
    expect(await browser.accessibilityViolations()).toEqual([]);
    expect(browser.problems).toEqual([]);
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
