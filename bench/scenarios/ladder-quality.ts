import sharp, { type Sharp } from 'sharp';
import { request } from 'undici';
import type { LadderQualityFigures } from '../report-types.ts';
import { workloads, type LimitInput, type SourceName } from '../workloads.ts';

/**
 * The variant offset the guard asks for: w_801 and c_fill,w_401,h_400, which no phase requests
 * (their offsets start at 0), so the origin renders them now and its Server-Timing says from what.
 */
export const QUALITY_K = -1;

/**
 * What the guard scores: each ladder workload's fresh variant, and jpeg-w800 at w_1024, the widest
 * output the 2 × rule (origin/ladder/select.ts) still sends to the 2048 px rung, where the
 * mezzanine holds the least to spare.
 */
export const qualityCases: ReadonlyArray<{ workload: string; k: number }> = [
  { workload: 'jpeg-w800', k: QUALITY_K },
  { workload: 'jpeg-fill-webp', k: QUALITY_K },
  { workload: 'jpeg-w800', k: 800 - 1024 },
];

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
): Promise<LadderQualityFigures[]> {
  const figures: LadderQualityFigures[] = [];
  for (const { workload: name, k } of qualityCases) {
    const workload = workloads.find((candidate) => candidate.name === name);
    if (!workload?.reference) throw new Error(`quality guard: ${name} has no reference`);
    const ops = workload.ops(k);
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
