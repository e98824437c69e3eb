/**
 * Client hints (issue 19): `w_auto` takes its width from `Sec-CH-Width` (or the legacy `Width`),
 * `dpr_auto` its ratio from `Sec-CH-DPR` (or `DPR`). Like `f_auto` and Accept (core/negotiate.ts),
 * the raw headers are reduced to a few values, here a width rounded up to `AUTO_WIDTH_STEP` and a
 * DPR rounded up to one decimal, so the edge keys its cache per value and the variants stay few.
 * A hint that does not parse is ignored: the request gets the fallback, never an error.
 */
import type { TransformSpec } from './transform-spec.ts';

export const DEFAULT_AUTO_WIDTH_STEP = 100;

/** Header names in the order they are read: the standard one wins over the legacy one. */
export const WIDTH_HINTS = ['Sec-CH-Width', 'Width'] as const;
export const DPR_HINTS = ['Sec-CH-DPR', 'DPR'] as const;

/** The hints a request gave, normalised; absent when it gave none that parses. */
export interface ClientHints {
  /** Device pixels, rounded up to the step, at most MAX_OUTPUT_DIMENSION. */
  width?: number;
  /** 1…4 with one decimal, rounded up. */
  dpr?: number;
}

export interface HintSettings {
  /** AUTO_WIDTH_STEP: hinted widths are rounded up to a multiple of it. */
  step: number;
  maxOutputDimension: number;
}

/** Reads a request header by name (case-insensitive, as both runtimes' readers are). */
export type HeaderReader = (name: string) => string | null | undefined;

type HintedSpec = Pick<TransformSpec, 'wAuto' | 'dprAuto'>;

/** Sec-CH-Width is a structured-field integer: digits only; 0 says nothing about the slot. */
export function hintedWidth(raw: string | null | undefined, settings: HintSettings): number | undefined {
  const text = raw?.trim() ?? '';
  if (!/^\d{1,9}$/.test(text)) return undefined;
  const width = Number(text);
  if (width < 1) return undefined;
  return Math.min(Math.ceil(width / settings.step) * settings.step, settings.maxOutputDimension);
}

/**
 * Sec-CH-DPR is a structured-field decimal (`2`, `1.5`, `2.625`). Rounded up to tenths, the
 * precision of `dpr_N`, in the grammar's range 1…4: a zoomed-out page (0.5) gets CSS pixels.
 */
export function hintedDpr(raw: string | null | undefined): number | undefined {
  const text = raw?.trim() ?? '';
  if (!/^\d{1,3}(?:\.\d{1,6})?$/.test(text)) return undefined;
  const value = Number(text);
  if (value <= 0) return undefined;
  // Millionths first, so 1.1 (1.1000000000000001 × 10) is 11 tenths, not 12.
  const tenths = Math.ceil(Math.round(value * 1_000_000) / 100_000);
  return Math.min(Math.max(tenths, 10), 40) / 10;
}

function firstValid<T>(names: readonly string[], header: HeaderReader, parse: (raw: string | null | undefined) => T | undefined) {
  for (const name of names) {
    const value = parse(header(name));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The hints the spec uses, read from the request; the others are not looked at. */
export function readClientHints(spec: HintedSpec, header: HeaderReader, settings: HintSettings): ClientHints {
  const width = spec.wAuto === undefined ? undefined : firstValid(WIDTH_HINTS, header, (raw) => hintedWidth(raw, settings));
  const dpr = spec.dprAuto === true ? firstValid(DPR_HINTS, header, hintedDpr) : undefined;
  return { ...(width === undefined ? {} : { width }), ...(dpr === undefined ? {} : { dpr }) };
}

/** What the answer depends on, for `Vary`: every header that could carry a hint the spec uses. */
export function hintVary(spec: HintedSpec): string[] {
  return [...(spec.wAuto === undefined ? [] : WIDTH_HINTS), ...(spec.dprAuto === true ? DPR_HINTS : [])];
}

/**
 * The values a spec resolves with: the hinted ones, or the fallback width and a DPR of 1. The
 * edge keys its cache with them; two requests with equal values get equal bytes.
 */
export function effectiveHints(spec: HintedSpec, hints: ClientHints): ClientHints {
  return {
    ...(spec.wAuto === undefined ? {} : { width: hints.width ?? spec.wAuto }),
    ...(spec.dprAuto === true ? { dpr: hints.dpr ?? 1 } : {}),
  };
}

/** The hint headers that carry exactly these values, for a request the edge sends to the origin. */
export function hintHeaders(hints: ClientHints): Record<string, string> {
  return {
    ...(hints.width === undefined ? {} : { 'sec-ch-width': String(hints.width) }),
    ...(hints.dpr === undefined ? {} : { 'sec-ch-dpr': String(hints.dpr) }),
  };
}

export interface HintBounds {
  maxOutputDimension: number;
  /** The oriented source width: a hinted width never asks for more (the output would not grow). */
  sourceWidth?: number;
}

/** Scales a box down, keeping its ratio, until no side passes the limit. */
function within(w: number | undefined, h: number | undefined, max: number): { w?: number; h?: number } {
  const scale = Math.min(1, max / Math.max(w ?? 1, h ?? 1));
  const fit = (side: number | undefined) => (side === undefined ? undefined : Math.max(1, Math.round(side * scale)));
  const [width, height] = [fit(w), fit(h)];
  return { ...(width === undefined ? {} : { w: width }), ...(height === undefined ? {} : { h: height }) };
}

/**
 * The spec a request renders: `w_auto` and `dpr_auto` replaced by the box the hints give, as if
 * the URL had said `w_N` (or `w_N,h_M`). What a hint makes is capped, never refused: a box past
 * MAX_OUTPUT_DIMENSION is scaled down to it, keeping its ratio.
 */
export function applyClientHints(spec: TransformSpec, hints: ClientHints, bounds: HintBounds): TransformSpec {
  const { wAuto, dprAuto, ...rest } = spec;
  if (wAuto !== undefined) {
    const hinted = hints.width ?? wAuto;
    const width = bounds.sourceWidth === undefined ? hinted : Math.max(1, Math.min(hinted, bounds.sourceWidth));
    if (rest.ar === undefined) return { ...rest, w: width };
    const { ar, ...withoutRatio } = rest;
    const [p, q] = ar;
    return { ...withoutRatio, ...within(width, Math.max(1, Math.round((width * q) / p)), bounds.maxOutputDimension) };
  }
  if (dprAuto !== true) return spec;
  const tenths = Math.round((hints.dpr ?? 1) * 10);
  const scaled = (side: number | undefined) => (side === undefined ? undefined : Math.round((side * tenths) / 10));
  return { ...rest, ...within(scaled(rest.w), scaled(rest.h), bounds.maxOutputDimension) };
}
