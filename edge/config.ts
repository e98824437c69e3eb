import { fail, PixelfrontError } from '../core/errors.ts';
import { DEFAULT_AUTO_WIDTH_STEP } from '../core/client-hints.ts';
import { DEFAULT_MAX_OUTPUT_DIMENSION } from '../core/grammar/context.ts';
import { roleNames, type Role } from '../core/roles.ts';
import type { Env } from './env.ts';
import { loadPresets, type PresetMap } from './presets.ts';

/** The edge's typed configuration, derived from the Worker's bindings. */
export interface EdgeConfig {
  /** Origin base URLs without a trailing slash; at least one. Probes and the scrape go here. */
  origins: string[];
  /** Each role's origins (its failover list), ORIGIN_URL_<ROLE> or else `origins`. */
  roleOrigins: Record<Role, string[]>;
  signingKeys: string[];
  signedUrls: 'off' | 'required';
  publicPresets: string[];
  originTimeoutMs: number;
  maxOutputDimension: number;
  /** AUTO_WIDTH_STEP: `w_auto` width hints round up to a multiple of it, as at the origin. */
  autoWidthStep: number;
  presets: PresetMap;
  /** Hit and miss counting (edge/edge-stats.ts); undefined without EDGE_STATS_SECRET. */
  edgeStats: { secret: string; flushMs: number } | undefined;
}

const defaultOriginTimeoutMs = 10_000;
/** The bound: counters leave an isolate at most every 10 s. */
const defaultStatsFlushMs = 10_000;

/**
 * Bindings are fixed for the life of an isolate, so the parsed result (or the configuration error)
 * is remembered per env object; nothing is module-global, and tests can pass their own env.
 */
const parsed = new WeakMap<Env, EdgeConfig | PixelfrontError>();

/** The config for these bindings; a misconfigured edge answers 503 `unavailable` saying why. */
export function edgeConfig(env: Env): EdgeConfig {
  let result = parsed.get(env);
  if (result === undefined) {
    result = parseEdgeConfig(env);
    parsed.set(env, result);
  }
  if (result instanceof PixelfrontError) throw result;
  return result;
}

// A Record, so that a binding added to Env and not here is a compile error, not a silent undefined.
const bindingNames = Object.keys({
  ORIGIN_URL: true,
  ORIGIN_URLS: true,
  ORIGIN_URL_UPLOAD: true,
  ORIGIN_URL_MULTIPART: true,
  ORIGIN_URL_DELIVERY: true,
  ORIGIN_URL_API: true,
  SIGNING_KEYS: true,
  SIGNED_URLS: true,
  PUBLIC_PRESETS: true,
  ORIGIN_TIMEOUT_MS: true,
  MAX_OUTPUT_DIMENSION: true,
  AUTO_WIDTH_STEP: true,
  PRESETS: true,
  EDGE_STATS_SECRET: true,
  EDGE_STATS_FLUSH_MS: true,
} satisfies Record<keyof Env, true>) as (keyof Env)[];

/**
 * wrangler passes `[vars]` through as TOML typed them, whatever Env declares: numbers and booleans
 * become their text, anything else (arrays, tables) is a named problem instead of a TypeError.
 */
function stringBindings(raw: Env, problems: string[]): Env {
  const env: Env = {};
  for (const name of bindingNames) {
    const value: unknown = raw[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') env[name] = String(value);
    else problems.push(`${name} must be a string`);
  }
  return env;
}

function parseEdgeConfig(raw: Env): EdgeConfig | PixelfrontError {
  const problems: string[] = [];
  const env = stringBindings(raw, problems);
  const origins = parseOrigins(env, problems);
  const roleOrigins = parseRoleOrigins(env, origins, problems);
  const signingKeys = list(env.SIGNING_KEYS);
  const signedUrls = parseSignedUrls(env.SIGNED_URLS, problems);
  if (signedUrls === 'required' && signingKeys.length === 0) problems.push('SIGNED_URLS=required needs the SIGNING_KEYS secret');
  const originTimeoutMs = integer('ORIGIN_TIMEOUT_MS', env.ORIGIN_TIMEOUT_MS, defaultOriginTimeoutMs, 1, 600_000, problems);
  const maxOutputDimension = integer('MAX_OUTPUT_DIMENSION', env.MAX_OUTPUT_DIMENSION, DEFAULT_MAX_OUTPUT_DIMENSION, 1, 16_383, problems);
  const autoWidthStep = integer('AUTO_WIDTH_STEP', env.AUTO_WIDTH_STEP, DEFAULT_AUTO_WIDTH_STEP, 1, 16_383, problems);
  const presets = parsePresetsBinding(env.PRESETS, maxOutputDimension, problems);
  const publicPresets = list(env.PUBLIC_PRESETS);
  const statsFlushMs = integer('EDGE_STATS_FLUSH_MS', env.EDGE_STATS_FLUSH_MS, defaultStatsFlushMs, 100, 3_600_000, problems);
  const statsSecret = env.EDGE_STATS_SECRET?.trim() ?? '';
  const edgeStats = statsSecret === '' ? undefined : { secret: statsSecret, flushMs: statsFlushMs };
  for (const name of publicPresets) {
    if (presets !== undefined && !presets.has(name)) problems.push(`PUBLIC_PRESETS names unknown preset "${name}"`);
  }
  if (problems.length > 0 || presets === undefined) return fail('unavailable', `edge misconfigured: ${problems.join('; ')}`);
  return {
    origins,
    roleOrigins,
    signingKeys,
    signedUrls,
    publicPresets,
    originTimeoutMs,
    maxOutputDimension,
    autoWidthStep,
    presets,
    edgeStats,
  };
}

function parseOrigins(env: Env, problems: string[]): string[] {
  const raw = list(env.ORIGIN_URLS);
  if (raw.length === 0 && env.ORIGIN_URL !== undefined && env.ORIGIN_URL.trim() !== '') raw.push(env.ORIGIN_URL.trim());
  if (raw.length === 0) problems.push('ORIGIN_URL (or ORIGIN_URLS) is required');
  return baseUrls(raw, problems);
}

/** The edge routes each request by the role its path belongs to; an unset role uses every origin. */
function parseRoleOrigins(env: Env, origins: string[], problems: string[]): Record<Role, string[]> {
  const entries = roleNames.map((role) => {
    const raw = list(env[`ORIGIN_URL_${role.toUpperCase() as Uppercase<Role>}`]);
    return [role, raw.length === 0 ? origins : baseUrls(raw, problems)] as const;
  });
  return Object.fromEntries(entries) as Record<Role, string[]>;
}

function baseUrls(raw: string[], problems: string[]): string[] {
  const origins: string[] = [];
  for (const value of raw) {
    if (isHttpUrl(value)) origins.push(value.replace(/\/+$/, ''));
    else problems.push(`origin "${value}" is not an http(s) URL`);
  }
  return origins;
}

function isHttpUrl(value: string): boolean {
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

function parseSignedUrls(value: string | undefined, problems: string[]): 'off' | 'required' {
  const mode = value?.trim() || 'off';
  if (mode === 'off' || mode === 'required') return mode;
  problems.push(`SIGNED_URLS must be off or required, not "${mode}"`);
  return 'off';
}

function parsePresetsBinding(value: string | undefined, maxOutputDimension: number, problems: string[]): PresetMap | undefined {
  try {
    return loadPresets(value, maxOutputDimension);
  } catch (error) {
    problems.push(`PRESETS: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (Number.isInteger(number) && number >= min && number <= max) return number;
  problems.push(`${name} must be an integer ${String(min)}…${String(max)}, not "${value}"`);
  return fallback;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
