/**
 * Value parsers for the ops whose values have parts (`e`, `wm`; `q` is in quality.ts), built from the simple
 * factories so their ranges and messages stay the same as everywhere else.
 */
import type { Effect, Gravity, WatermarkSpec } from '../transform-spec.ts';
import { bad, decimal, enumOf, intRange, name, ok, type ValueParser } from './validators.ts';

const COMPASS = [
  'center',
  'north',
  'south',
  'east',
  'west',
  'north_east',
  'north_west',
  'south_east',
  'south_west',
] as const satisfies readonly Gravity[];

export const GRAVITIES = [...COMPASS, 'auto', 'entropy'] as const satisfies readonly Gravity[];

const blurSigma = decimal(0.3, 100, 2);
const sharpenSigma = decimal(0.5, 10, 2);

/** `blur:S`, `sharpen[:S]` or `grayscale` (`greyscale` is accepted as an alias). */
export function effect(): ValueParser<Effect> {
  const limits = { maxOutputDimension: 0 };
  const expected = () => `blur:S (S ${blurSigma.expected(limits)}), sharpen[:S] (S ${sharpenSigma.expected(limits)}) or grayscale`;
  return {
    expected,
    parse(raw, context) {
      const [effectName, argument, ...rest] = raw.split(':');
      if (rest.length > 0) return bad(expected());
      if ((effectName === 'grayscale' || effectName === 'greyscale') && argument === undefined) return ok({ name: 'grayscale' });
      if (effectName === 'sharpen' && argument === undefined) return ok({ name: 'sharpen' });
      if (effectName === 'sharpen' && argument !== undefined) {
        const sigma = sharpenSigma.parse(argument, context);
        return sigma.ok ? ok({ name: 'sharpen', sigma: sigma.value }) : bad(`sharpen:S with S ${sigma.expected}`);
      }
      if (effectName === 'blur' && argument !== undefined) {
        const sigma = blurSigma.parse(argument, context);
        return sigma.ok ? ok({ name: 'blur', sigma: sigma.value }) : bad(`blur:S with S ${sigma.expected}`);
      }
      return bad(expected());
    },
  };
}

export function formatEffect(value: Effect): string {
  switch (value.name) {
    case 'blur':
      return `blur:${value.sigma}`;
    case 'sharpen':
      return value.sigma === undefined ? 'sharpen' : `sharpen:${value.sigma}`;
    case 'grayscale':
      return 'grayscale';
  }
}

const WATERMARK_DEFAULTS = { gravity: 'south_east', opacity: 100, scale: 20 } as const;

const watermarkName = name('watermark');
const watermarkGravity = enumOf(COMPASS);
const percent = intRange(1, 100);

/** `NAME[:GRAVITY[:OPACITY[:SCALE]]]` with the SPEC's defaults filled in. */
export function watermark(): ValueParser<WatermarkSpec> {
  const limits = { maxOutputDimension: 0 };
  const shape = 'NAME[:GRAVITY[:OPACITY[:SCALE]]]';
  const expected = () => `${shape} with GRAVITY ${watermarkGravity.expected(limits)}, OPACITY and SCALE ${percent.expected(limits)}`;
  const part = (label: string, partExpected: string) => bad<WatermarkSpec>(`${shape} with ${label} ${partExpected}`);
  return {
    expected,
    parse(raw, context) {
      const [nameText = '', gravityText, opacityText, scaleText, ...rest] = raw.split(':');
      if (rest.length > 0) return bad(expected());
      const parsedName = watermarkName.parse(nameText, context);
      if (!parsedName.ok) return part('NAME', parsedName.expected);
      const gravity = gravityText === undefined ? ok(WATERMARK_DEFAULTS.gravity) : watermarkGravity.parse(gravityText, context);
      if (!gravity.ok) return part('GRAVITY', gravity.expected);
      const opacity = opacityText === undefined ? ok(WATERMARK_DEFAULTS.opacity) : percent.parse(opacityText, context);
      if (!opacity.ok) return part('OPACITY', opacity.expected);
      const scale = scaleText === undefined ? ok(WATERMARK_DEFAULTS.scale) : percent.parse(scaleText, context);
      if (!scale.ok) return part('SCALE', scale.expected);
      return ok({ name: parsedName.value, gravity: gravity.value, opacity: opacity.value, scale: scale.value });
    },
  };
}

/** The shortest spelling: trailing parts equal to their defaults are dropped. */
export function formatWatermark(value: WatermarkSpec): string {
  const parts = [value.name, value.gravity, String(value.opacity), String(value.scale)];
  const defaults = [undefined, WATERMARK_DEFAULTS.gravity, String(WATERMARK_DEFAULTS.opacity), String(WATERMARK_DEFAULTS.scale)];
  while (parts.length > 1 && parts[parts.length - 1] === defaults[parts.length - 1]) parts.pop();
  return parts.join(':');
}
