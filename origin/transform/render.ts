import { readableSource } from './heic-source.ts';
import { PipelineState } from './pipeline-state.ts';
import { probeSource } from './probe.ts';
import type { RenderInput, RenderResult, RenderState } from './render-types.ts';
import { renderTimeout } from '../sharp/errors.ts';
import { cropResize } from './steps/crop-resize.ts';
import { effects } from './steps/effects.ts';
import { encode } from './steps/encode.ts';
import { orient } from './steps/orient.ts';
import { padFlatten } from './steps/pad-flatten.ts';
import { rotate } from './steps/rotate.ts';
import { watermark } from './steps/watermark.ts';

export type { RenderInput, RenderLimits, RenderResult } from './render-types.ts';
export { configureSharp, type SharpSettings } from './configure-sharp.ts';

type Step = (state: RenderState) => void | Promise<void>;

/** SPEC section 3's fixed order, whatever the order of the ops in the URL. */
const steps: Array<[name: string, step: Step]> = [
  ['orient', orient],
  ['crop-resize', cropResize],
  ['rotate', rotate],
  ['effects', effects],
  ['pad-flatten', padFlatten],
  ['watermark', watermark],
];

/**
 * Renders one variant: header probe (limits, frames, SVG density) → the steps, which mostly only
 * configure one sharp pipeline → encode, which runs it. Every failure caused by the source is a
 * PixelfrontError; a render past `limits.timeoutMs` is 503 `unavailable`.
 */
export async function render(input: RenderInput): Promise<RenderResult> {
  const started = performance.now();
  const deadline = Date.now() + input.limits.timeoutMs;
  const timings: Record<string, number> = {};

  const readable = await readableSource(input, deadline);
  if (readable.source !== input.source) timings.heic = performance.now() - started;
  const probed = await probeSource(readable.source, input.spec, input.format, input.limits, readable.header);
  // A mezzanine is stored upright: whatever its header says, orientation was applied once already.
  const source = input.original ? { ...probed, needsOrient: false } : probed;
  timings.probe = performance.now() - started;

  const state = new PipelineState({
    input: readable.source,
    spec: input.spec,
    format: input.format,
    source,
    original: input.original,
    limits: input.limits,
    deadline,
    loadWatermark: input.loadWatermark,
    timings,
  });
  for (const [, step] of steps) {
    if (Date.now() > deadline) throw renderTimeout();
    await step(state);
  }
  const result = await encode(state);
  timings.total = performance.now() - started;
  return { ...result, timings: roundTimings(timings) };
}

function roundTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([stage, ms]) => [stage, Math.round(ms * 10) / 10]));
}
