import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archive, createBatch, upload, waitForBatch } from './helpers/batches.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin.ts';

const RLO = '\u202e'; // RIGHT-TO-LEFT OVERRIDE: "photo<RLO>gpj.exe" reads as "photoexe.jpg"
const hostile = `photo${RLO}gpj.exe\u2066\u200f\u0085`;
const invisible = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** Issue 14 item 12: bidi and control characters never reach a file name in JSON or a ZIP. */
describe('file names with bidi and control characters', () => {
  let origin: TestOrigin;
  let png: Buffer;
  beforeAll(async () => {
    origin = await startTestOrigin();
    png = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#884422' } })
      .png()
      .toBuffer();
  });
  afterAll(() => origin.destroy());

  it('are stripped from an upload filename (query and form) and the JSON shows the rest', async () => {
    const raw = await upload(origin.url, png, { filename: hostile });
    expect(raw.filename).toBe('photogpj.exe');

    // Other bytes: not deduplicated to the first upload's name.
    const other = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#224488' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(other)], { type: 'image/png' }), `${RLO}form.png`);
    const response = await fetch(`${origin.url}/v1/images`, { method: 'POST', body: form });
    const text = await response.text();
    expect(response.status, text).toBeLessThan(300);
    expect(text).not.toMatch(invisible);
    expect(text).toContain('form.png');
  });

  it('are refused (400) in a PATCH of the filename', async () => {
    const { id } = await upload(origin.url, png, { filename: 'plain.png' });
    const response = await fetch(`${origin.url}/v1/images/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ filename: `evil${RLO}gnp.exe` }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_request');
  });

  it('are stripped from JSON and replaced in ZIP entry names for a name stored before this rule', async () => {
    const { id } = await upload(origin.url, png, { filename: 'old.png' });
    // As a row written by an older version: straight into the catalog, past the upload's cleaning.
    await origin.services.catalog.updateImage('default', id, { filename: hostile });
    const listed = await (await fetch(`${origin.url}/v1/images/${id}`)).text();
    expect(listed).not.toMatch(invisible);
    expect(listed).toContain('"filename":"photogpj.exe"');

    const created = await createBatch(origin.url, { transforms: ['w_10'], images: [id] });
    expect(created.status).toBe(202);
    await waitForBatch(() => origin.url, created.body['id'] as string);
    const names = [...(await archive(origin.url, created.body['id'] as string)).keys()];
    expect(names).toHaveLength(1);
    expect(names[0]).not.toMatch(invisible);
    expect(names[0]).toMatch(/^photo_gpj\.exe_+\/w_10\.png$/);
  });
});
