import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';
import { readmeShellBlocks, runExample } from './helpers/readme.ts';

/** The one block of a section that mentions `needle`. */
async function block(section: string, needle: string): Promise<string> {
  const found = (await readmeShellBlocks(section)).filter((candidate) => candidate.includes(needle));
  expect(found, `one sh block of section ${section} with ${needle}`).toHaveLength(1);
  return found[0] ?? '';
}

/** The files the examples name, in a fresh folder. */
async function workFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pixelfront-readme-'));
  const picture = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } });
  await picture(1200, 900).jpeg().toFile(join(dir, 'photo.jpg'));
  await picture(300, 200).jpeg().toFile(join(dir, 'a.jpg'));
  await picture(200, 300).png().toFile(join(dir, 'b.png'));
  await picture(120, 40).png().toFile(join(dir, 'logo.png'));
  // Uncompressed 2400×2400 RGB is just over the server's 16 MiB part size: two parts.
  await picture(2400, 2400).tiff({ compression: 'none' }).toFile(join(dir, 'pano.tif'));
  return dir;
}

describe('the README examples, pasted into bash against a started origin', () => {
  let open: TestOrigin;
  let keyed: TestOrigin;
  let dir: string;
  beforeAll(async () => {
    [open, keyed, dir] = await Promise.all([startTestOrigin(), startTestOrigin({ API_KEYS: 'acme:acme-secret' }), workFolder()]);
  });
  afterAll(async () => {
    await Promise.all([open?.destroy(), keyed?.destroy()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const auth = { authorization: 'Bearer acme-secret' };

  it('quickstart: uploads photo.jpg and fetches its 800×450 variant by the id it got back, in the format it prints', async () => {
    const [quickstart] = await readmeShellBlocks('quickstart');
    const run = await runExample(quickstart ?? '', open.url, dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr, 'the answer, shown by tee').toContain('"id":');
    const hero = await sharp(await readFile(join(dir, 'hero'))).metadata();
    // A cold f_auto AVIF this size is answered fast-first in WebP; either way the type printed is the file's.
    const printed = { 'image/webp': 'webp', 'image/avif': 'heif' }[run.stdout.trim()];
    expect([hero.format, hero.width, hero.height]).toEqual([printed, 800, 450]);
  });

  it('HTTP API: every call of the example succeeds with KEY as the bare key, the image is gone at the end', async () => {
    const run = await runExample(await block('api', '/v1/images'), keyed.url, dir);
    expect(run.code, run.stderr).toBe(0);
    const out = await sharp(await readFile(join(dir, 'out.webp'))).metadata();
    expect([out.format, out.width, out.height]).toEqual(['webp', 800, 450]);
    const list = (await (await fetch(`${keyed.url}/v1/images`, { headers: auth })).json()) as { items: { filename: string }[] };
    // photo.jpg was deleted by the last line; the form's two files stay.
    expect(list.items.map((item) => item.filename).sort()).toEqual(['a.jpg', 'b.png']);

    // The lookup line on its own, once photo.jpg is there again: it finds just that image.
    const lookup = (await block('api', '/v1/images')).split('\n').find((line) => line.includes('?sha256=')) ?? '';
    const again = (await (
      await fetch(`${keyed.url}/v1/images`, { method: 'POST', headers: auth, body: await readFile(join(dir, 'photo.jpg')) })
    ).json()) as {
      id: string;
    };
    const found = await runExample(`KEY=acme-secret\n${lookup}`, keyed.url, dir);
    expect(found.code, found.stderr).toBe(0);
    expect((JSON.parse(found.stdout) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([again.id]);
  });

  it('resumable uploads: the size comes from the file, parts go to the id the server gave', async () => {
    const run = await runExample(await block('uploads', '/v1/uploads'), keyed.url, dir);
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(run.stdout.match(/"partNumber":\d+/g)), 'two parts sent').toEqual(new Set(['"partNumber":1', '"partNumber":2']));
    const list = (await (await fetch(`${keyed.url}/v1/images`, { headers: auth })).json()) as {
      items: { filename: string; bytes: number }[];
    };
    const pano = list.items.find((item) => item.filename === 'pano.tif');
    expect(pano?.bytes).toBe((await readFile(join(dir, 'pano.tif'))).length);
  });

  it('batches: makes the batch with the auth header, waits for it and downloads its archive', async () => {
    // The batch covers every image of the tenant: one at least, whichever tests ran before.
    const uploaded = await fetch(`${keyed.url}/v1/images`, { method: 'POST', headers: auth, body: await readFile(join(dir, 'a.jpg')) });
    expect(uploaded.ok).toBe(true);
    const run = await runExample(await block('batches', '/v1/batches'), keyed.url, dir);
    expect(run.code, run.stderr).toBe(0);
    const zip = await readFile(join(dir, 'batch.zip'));
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
  });
});
