import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isPixelfrontError } from '../../core/errors.ts';
import { corpusDir, hasCorpus } from '../../test/helpers/corpus.ts';
import { inspectAndDecode, inspectImage } from './inspect.ts';
import { DEFAULT_SVG_LIMITS } from './svg/sanitize.ts';
import { SvgWorkerPool } from './svg/svg-pool.ts';

const svg = new SvgWorkerPool({ limits: DEFAULT_SVG_LIMITS, workers: 1 });
afterAll(() => svg.close());
const limits = { maxInputPixels: 100_000_000, timeoutMs: 20_000, svg };
const workDir = mkdtempSync(join(tmpdir(), 'pixelfront-strict-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * Truncated scans (a premature end of a data segment): cut inside the last tenth of the
 * entropy-coded data, where the mutants that a shrunk decode accepts are, and closed with an EOI
 * marker, as the hardening fuzzer's mutants of the corpus flower were.
 */
export function truncatedScans(jpeg: Buffer, count: number): Buffer[] {
  const from = Math.floor(jpeg.length * 0.9);
  const step = (jpeg.length - 4 - from) / count;
  return Array.from({ length: count }, (_, n) => Buffer.concat([jpeg.subarray(0, from + Math.floor(n * step)), Buffer.from([0xff, 0xd9])]));
}

/** The mutants a decode shrunk to `width` accepts while a full decode refuses them. */
async function sneakyMutants(jpeg: Buffer, width: number): Promise<Buffer[]> {
  const sneaky: Buffer[] = [];
  for (const mutant of truncatedScans(jpeg, 40)) {
    if ((await decodes(mutant, width)) && !(await decodes(mutant))) sneaky.push(mutant);
  }
  return sneaky;
}

async function expectAllRefused(mutants: Buffer[], name: string): Promise<void> {
  for (const [index, mutant] of mutants.entries()) {
    const path = join(workDir, `${name}-${index}.jpg`);
    writeFileSync(path, mutant);
    const error = await inspectImage(path, limits).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isPixelfrontError(error) && [error.status, error.code], `${name} mutant ${index}`).toEqual([422, 'corrupt_image']);
  }
}

const decodes = (input: Buffer, width?: number) =>
  (width === undefined ? sharp(input, { failOn: 'warning' }) : sharp(input, { failOn: 'warning' }).resize({ width }))
    .raw()
    .toBuffer()
    .then(
      () => true,
      () => false,
    );

describe.skipIf(!hasCorpus)('strict validation of truncated JPEG scans (issue 14 item 11)', () => {
  const flower = hasCorpus ? readFileSync(join(corpusDir, 'valid/jpeg_icc_exif_flower.jpg')) : Buffer.alloc(0);

  it('refuses the mutants of the corpus flower that the old 32 px validation accepted', { timeout: 30_000 }, async () => {
    const sneaky = await sneakyMutants(flower, 32);
    expect(sneaky.length, 'the corpus file yields such mutants').toBeGreaterThanOrEqual(3);
    await expectAllRefused(sneaky, 'flower');
  });

  it('decodes at full resolution even where the decoded image is smaller (no shrink-on-load)', { timeout: 30_000 }, async () => {
    // 1200 px wide: the 256 px preview would be a 1/4 shrink-on-load, which lets some truncations through.
    const large = await sharp(flower).resize({ width: 1200 }).jpeg({ quality: 90 }).toBuffer();
    const sneaky = await sneakyMutants(large, 256);
    expect(sneaky.length, 'a shrunk decode accepts some of them').toBeGreaterThanOrEqual(1);
    await expectAllRefused(sneaky, 'large');
  });

  it('still accepts the intact file, and decodes it oriented at the preview size', async () => {
    const path = join(workDir, 'flower.jpg');
    writeFileSync(path, flower);
    const { facts, decoded } = await inspectAndDecode(path, limits);
    expect([facts.width, facts.height]).toEqual([300, 225]);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([256, 192, 3]);
  });
});

describe('the ingest decode', () => {
  it('comes back at the largest ladder rung the image gets, alpha kept', async () => {
    const png = await sharp({ create: { width: 1600, height: 900, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const path = join(workDir, 'alpha.png');
    writeFileSync(path, png);
    const { decoded } = await inspectAndDecode(path, { ...limits, ladderSizes: [256, 512, 2048] });
    // 1600 ≥ 1.5 × 512 but not 1.5 × 2048: the 512 rung is the largest.
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([512, 288, 4]);
    expect(decoded.data[3]).toBe(128);
  });
});
