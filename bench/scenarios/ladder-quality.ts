import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { request } from 'undici';
import type { LadderQualityFigures } from '../report-types.ts';
import { builtInPresets } from '../../core/presets.ts';
import { loadConfig } from '../../origin/config.ts';
import { rungsFor, type LadderSource } from '../../origin/ladder/rungs.ts';
import { chooseRung } from '../../origin/ladder/select.ts';
import { canonicalTransform } from '../../origin/transform/plan.ts';
import { uploadImage } from '../origin-api.ts';
import { repoRoot, startScriptEnv, startServer } from '../processes.ts';
import { formatLadderQuality, formatTargets } from '../table.ts';
import { evaluateTargets } from '../targets.ts';
import { makeLogo, sources, workloads, type LimitInput, type SourceName } from '../workloads.ts';

/** The variant offset of c_fill,w_401,h_400, which no phase requests (their offsets start at 0). */
export const QUALITY_K = -1;

/**
 * Appended to the guard's other cases so they are variants no phase asks for, rendered now (their
 * Server-Timing says from what), with the very encoder settings of the phases: 80 is the default
 * quality of JPEG and WebP (origin/transform/encoder-settings.ts).
 */
export const FRESH = ',q_80';

export interface QualityCase {
  workload: string;
  k: number;
  /** Appended to the workload's ops (FRESH, or nothing for an offset no phase asks). */
  suffix: string;
  /** What the origin must decode for the case to count: the rung the 2 × rule sends that size to. */
  expected: string;
}

/** The photo the ladder workloads read (bench/workloads.ts jpeg12mp), upright. */
const photo: LadderSource = { format: 'jpeg', width: 4032, height: 3024, frames: 1, hasAlpha: false };

/**
 * What the guard scores, derived from the configured rungs: for jpeg-w800, every rung's widest
 * output (its 2 × boundary, where it holds the least to spare) and, above the smallest rung, its
 * narrowest (just past the rung below's boundary), each only where a rung really serves it; and
 * jpeg-fill-webp at the phases' size (400 × 400) and at 401 × 400.
 */
export function qualityCases(ladderSizes: readonly number[], maxOutputDimension = 4000): QualityCase[] {
  const rungs = rungsFor(photo, ladderSizes);
  const servedBy = (ops: string) =>
    chooseRung(photo, rungs, canonicalTransform({ presets: builtInPresets, maxOutputDimension }, ops).spec, { maxOutputDimension });
  const widths = new Map<number, { narrowest: number; widest: number }>();
  for (let width = 1; width <= Math.min(photo.width, maxOutputDimension); width++) {
    const rung = servedBy(`w_${width}`);
    if (!rung) continue;
    const seen = widths.get(rung.size);
    widths.set(rung.size, { narrowest: seen?.narrowest ?? width, widest: width });
  }
  const cases: QualityCase[] = [];
  const sizes = [...widths.keys()].sort((a, b) => a - b);
  for (const [index, size] of sizes.entries()) {
    const { narrowest, widest } = widths.get(size) ?? { narrowest: 0, widest: 0 };
    const chosen = index > 0 ? [widest, narrowest] : [widest];
    for (const width of chosen) cases.push({ workload: 'jpeg-w800', k: 800 - width, suffix: FRESH, expected: `ladder-${size}` });
  }
  for (const [k, suffix] of [
    [0, FRESH],
    [QUALITY_K, ''],
  ] as const) {
    const rung = servedBy(`c_fill,w_${400 - k},h_400`);
    if (rung) cases.push({ workload: 'jpeg-fill-webp', k, suffix, expected: `ladder-${rung.size}` });
  }
  return cases;
}

/** Raw pixels to score against: RGB, 8 bits. */
interface Pixels {
  data: Buffer;
  width: number;
  height: number;
}

async function pixels(image: Sharp): Promise<Pixels> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** PSNR in dB of two images of the same size (Infinity when identical). */
export function psnr(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length)
    throw new Error(`PSNR of ${a.width}×${a.height} against ${b.width}×${b.height}: sizes differ`);
  let sum = 0;
  for (let index = 0; index < a.data.length; index++) {
    const difference = (a.data[index] ?? 0) - (b.data[index] ?? 0);
    sum += difference * difference;
  }
  const mse = sum / a.data.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

/**
 * Issue 20's quality guard: for each case, the origin's answer (a new variant, rendered from
 * the mezzanine) and the limit's direct render of the original are each
 * scored against the original resized without shrink-on-load and left unencoded.
 */
export async function measureLadderQuality(
  origin: string,
  ids: Record<SourceName, string>,
  inputs: Record<SourceName, LimitInput>,
  config: { ladderSizes: readonly number[]; maxOutputDimension: number } = loadConfig(process.env),
): Promise<LadderQualityFigures[]> {
  const figures: LadderQualityFigures[] = [];
  for (const { workload: name, k, suffix, expected } of qualityCases(config.ladderSizes, config.maxOutputDimension)) {
    const workload = workloads.find((candidate) => candidate.name === name);
    if (!workload?.reference) throw new Error(`quality guard: ${name} has no reference`);
    const ops = `${workload.ops(k)}${suffix}`;
    const response = await request(`${origin}/img/${ids[workload.source]}/${ops}`);
    const answer = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200) throw new Error(`quality guard ${ops}: ${response.statusCode} ${answer.toString('utf8', 0, 200)}`);
    const timing = response.headers['server-timing'];
    const decoded = (typeof timing === 'string' ? /decode;desc="([^"]*)"/.exec(timing)?.[1] : undefined) ?? 'unknown';
    const input = inputs[workload.source];
    const direct = await workload.limit(input, k);
    const reference = await pixels(workload.reference(input, k));
    figures.push({
      workload: workload.name,
      ops,
      width: reference.width,
      height: reference.height,
      decoded,
      expected,
      ladderPsnr: round2(psnr(await pixels(sharp(answer)), reference)),
      directPsnr: round2(psnr(await pixels(sharp(direct)), reference)),
      ladderBytes: answer.length,
      directBytes: direct.length,
    });
  }
  return figures;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Standalone, without the rest of the bench: `node --import tsx bench/scenarios/ladder-quality.ts`
 * starts an origin from the sources with the start script's environment (and LADDER_SIZES if set),
 * uploads the 12 MP photo, scores the guard's cases and prints them with their target lines.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dataDir = await mkdtemp(join(tmpdir(), 'pixelfront-ladder-quality-'));
  const server = await startServer(process.execPath, ['--import', 'tsx', 'origin/main.ts'], {
    env: { ...process.env, ...(await startScriptEnv()), PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    urlPattern: /"url":"(http:\/\/[^"]+)"/,
  });
  try {
    const photo = await readFile(join(repoRoot, '../shared/corpus', sources.jpeg12mp));
    const id = await uploadImage(server.url, photo, 'image/jpeg');
    const input: LimitInput = { data: photo, logo: await makeLogo(), loop: undefined, delay: undefined };
    const ids = { jpeg12mp: id } as Record<SourceName, string>;
    const inputs = { jpeg12mp: input } as Record<SourceName, LimitInput>;
    const figures = await measureLadderQuality(server.url, ids, inputs);
    console.log(
      `${formatLadderQuality(figures)}\n\n${formatTargets(evaluateTargets([], { ladderQuality: figures }).filter((line) => line.name.includes('PSNR')))}`,
    );
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
