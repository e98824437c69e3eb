/**
 * Checks the render cost model (origin/transform/render-cost.ts) against what renders really
 * take: each scenario renders once in a fresh process, which reports the rise of its peak RSS
 * (VmHWM, reset through /proc/self/clear_refs after a warm-up render) and the time, beside the
 * estimate made from the header. Linux only.
 *
 *   node --import tsx bench/render-cost.ts            # every scenario, a table on stdout
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { parseOps } from '../core/grammar/canonical.ts';
import { builtInPresets } from '../core/presets.ts';
import type { OutputFormat } from '../core/transform-spec.ts';
import { probeSource, readSourceHeader } from '../origin/transform/probe.ts';
import { estimateRenderCost } from '../origin/transform/render-cost.ts';
import { configureSharp, render } from '../origin/transform/render.ts';

const limits = { maxInputPixels: 100e6, maxFrames: 1000, timeoutMs: 120_000, maxOutputDimension: 8192, maxOutputPixels: 40e6 };
const MiB = 1024 * 1024;

interface Measured {
  estimateMiB: number;
  measuredMiB: number;
  estimateMs: number;
  measuredMs: number;
}

function statusMiB(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** The child: one render, measured. */
async function measureOne(file: string, ops: string, format: OutputFormat): Promise<Measured> {
  configureSharp();
  const source = readFileSync(file);
  const spec = parseOps(ops, { presets: builtInPresets, maxOutputDimension: limits.maxOutputDimension });
  const warm = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  await render({ source: warm, spec: { w: 10 }, format: 'jpeg', limits });
  const header = await readSourceHeader(source);
  const info = await probeSource(source, spec, format, limits, header);
  const estimate = estimateRenderCost({ header, info, spec, format, limits });
  const before = statusMiB('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5');
  const started = performance.now();
  await render({ source, spec, format, limits });
  return {
    estimateMiB: estimate.bytes / MiB,
    measuredMiB: statusMiB('VmHWM') - before,
    estimateMs: estimate.ms,
    measuredMs: performance.now() - started,
  };
}

async function makeSources(dir: string): Promise<Record<string, string>> {
  const corpusPhoto = fileURLToPath(new URL('../../shared/corpus/edge/jpeg_large_12mp_4032x3024.jpg', import.meta.url));
  const photo = existsSync(corpusPhoto)
    ? sharp(corpusPhoto)
    : sharp({
        create: { width: 4032, height: 3024, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
      });
  const base = await photo.jpeg({ quality: 90 }).toBuffer();
  const files: Record<string, string> = {};
  const write = async (name: string, image: Sharp) => {
    files[name] = join(dir, name);
    await image.toFile(files[name]);
  };
  await write('photo-12mp.jpg', sharp(base));
  await write('photo-27mp.jpg', sharp(base).resize(6000, 4500));
  await write('photo-27mp-progressive.jpg', sharp(base).resize(6000, 4500).jpeg({ progressive: true }));
  await write('photo-27mp.png', sharp(base).resize(6000, 4500).png({ compressionLevel: 1 }));
  await write('photo-27mp-interlaced.png', sharp(base).resize(6000, 4500).png({ progressive: true, compressionLevel: 1 }));
  await write('photo-27mp.webp', sharp(base).resize(6000, 4500).webp());
  await write(
    'photo-25mp-rgba16.tif',
    sharp(base).resize(5000, 5000, { fit: 'fill' }).ensureAlpha().toColourspace('rgb16').tiff({ compression: 'lzw' }),
  );
  await write('flat-57.png', sharp({ create: { width: 57, height: 57, channels: 3, background: '#336699' } }).png());
  return files;
}

const scenarios: Array<[source: string, ops: string, format: OutputFormat]> = [
  ['photo-12mp.jpg', 'w_800', 'jpeg'],
  ['photo-12mp.jpg', 'w_800', 'avif'],
  ['photo-12mp.jpg', 'w_4032', 'jpeg'],
  ['photo-12mp.jpg', 'w_4032', 'webp'],
  ['photo-12mp.jpg', 'w_4032', 'avif'],
  ['photo-12mp.jpg', 'w_4032,e_blur:10', 'jpeg'],
  ['photo-12mp.jpg', 'w_4032,e_blur:100', 'jpeg'],
  ['photo-12mp.jpg', 'w_4032,a_90', 'jpeg'],
  ['photo-12mp.jpg', 'w_800,q_auto', 'jpeg'],
  ['photo-12mp.jpg', 'w_4032,q_auto', 'jpeg'],
  ['photo-12mp.jpg', 'w_4032,q_auto', 'webp'],
  ['photo-12mp.jpg', 'w_2000,q_auto', 'avif'],
  ['photo-27mp.jpg', 'w_800', 'jpeg'],
  ['photo-27mp-progressive.jpg', 'w_800', 'jpeg'],
  ['photo-27mp.png', 'w_800', 'jpeg'],
  ['photo-27mp-interlaced.png', 'w_800', 'jpeg'],
  ['photo-27mp.webp', 'w_800', 'jpeg'],
  ['photo-25mp-rgba16.tif', 'w_800', 'png'],
  ['flat-57.png', 'c_pad,w_6000,h_6000', 'jpeg'],
  ['flat-57.png', 'c_pad,w_6000,h_6000', 'png'],
  ['flat-57.png', 'c_pad,w_6000,h_6000', 'webp'],
  ['flat-57.png', 'c_pad,w_6000,h_6000', 'avif'],
];

async function main(): Promise<void> {
  const [mode, file, ops, format] = process.argv.slice(2);
  if (mode === '--one' && file && ops && format) {
    process.stdout.write(JSON.stringify(await measureOne(file, ops, format as OutputFormat)));
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pixelfront-render-cost-'));
  try {
    const files = await makeSources(dir);
    console.log('| source | ops | format | estimate MiB | peak RSS rise MiB | estimate ms | measured ms |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [source, ops, format] of scenarios) {
      const path = files[source];
      if (path === undefined) continue;
      const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', path, ops, format], {
        encoding: 'utf8',
      });
      const row = JSON.parse(output) as Measured;
      const cells = [row.estimateMiB, row.measuredMiB, row.estimateMs, row.measuredMs].map((value) => String(Math.round(value)));
      console.log(`| ${source} | ${ops} | ${format} | ${cells.join(' | ')} |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
