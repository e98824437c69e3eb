import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { roleNames, type Role } from '../core/roles.ts';
import { MAX_SIMILAR_DISTANCE } from './similarity/hamming.ts';

/**
 * The origin's configuration: one zod schema over the environment (SPEC section 2), loaded once
 * at start and passed down. Nothing below this file reads process.env.
 */

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const boolean = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => ['true', '1', 'yes'].includes(value));

/** `name:key,name:key` → key → name: API_KEYS (names are tenants) and ADMIN_KEYS. */
const namedKeys = (label: string) =>
  z.string().transform((value, ctx) => {
    const keys = new Map<string, string>();
    for (const pair of value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)) {
      const match = /^([A-Za-z0-9_-]{1,64}):(\S{8,})$/.exec(pair);
      if (!match) {
        ctx.addIssue({
          code: 'custom',
          message: `"${pair.split(':')[0]}:…" must be ${label}:key (${label} [A-Za-z0-9_-], key at least 8 characters)`,
        });
        return z.NEVER;
      }
      keys.set(match[2] as string, match[1] as string);
    }
    return keys;
  });

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** `2048` or `1600,3200`: mezzanine sides, ascending; `none` turns the render ladder off. */
const ladderSizes = z.string().transform((value, ctx) => {
  if (value.trim() === 'none') return [];
  const sizes = value.split(',').map((item) => Number(item.trim()));
  if (sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size < 64 || size > 16384)) {
    ctx.addIssue({ code: 'custom', message: 'must be `none` or comma-separated integers 64…16384, e.g. 2048 or 1600,3200' });
    return z.NEVER;
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
});

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  STORAGE_URL: z
    .string()
    .regex(/^(file|s3):\/\/.+/, 'must start with file:// or s3://')
    .optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: boolean.default(false),
  S3_CONNECT_TIMEOUT_MS: positiveInt(3_000),
  S3_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite|postgres|postgresql):\/\/.+/, 'must start with sqlite:// or postgres://')
    .optional(),
  DATABASE_QUERY_TIMEOUT_MS: positiveInt(10_000),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(5_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(5_000),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .default('pixelfront'),
  WORKER_CONCURRENCY: positiveInt(2),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
  API_KEYS: namedKeys('tenant').optional(),
  ADMIN_KEYS: namedKeys('name').optional(),
  EDGE_STATS_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SIGNING_KEYS: list.optional(),
  SIGNED_URLS: z.enum(['off', 'required']).default('off'),
  PUBLIC_PRESETS: list.default([]),
  MAX_UPLOAD_BYTES: positiveInt(100 * 1024 * 1024),
  BODY_IDLE_TIMEOUT_MS: positiveInt(30_000),
  UPLOAD_TIMEOUT_MS: positiveInt(15 * 60 * 1000),
  TEMP_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(60 * 60 * 1000),
  TEMP_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10 * 60 * 1000),
  MAX_INPUT_PIXELS: positiveInt(100_000_000),
  /** A photo's GPS position is where someone lives: only stored when asked for. */
  KEEP_GPS: boolean.default(false),
  /** Default from the measurement over the corpus (README "Near duplicates"): every copy kind found, distinct photos 8 bits further. */
  NEAR_DUPLICATE_DISTANCE: z.coerce.number().int().min(0).max(MAX_SIMILAR_DISTANCE).default(10),
  MAX_SVG_BYTES: positiveInt(16 * 1024 * 1024),
  MAX_SVG_ELEMENTS: positiveInt(50_000),
  SVG_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  MAX_OUTPUT_DIMENSION: z.coerce.number().int().min(1).max(16383).default(8192),
  MAX_OUTPUT_PIXELS: positiveInt(40_000_000),
  /** Progressive scans cost encode time and decode memory for a few % fewer bytes: opt-in. */
  JPEG_PROGRESSIVE: boolean.default(false),
  /** Client-hinted widths (`w_auto`) round up to a multiple of this, so the variants stay few; the edge's must match. */
  AUTO_WIDTH_STEP: z.coerce.number().int().min(1).max(16383).default(100),
  /** 4 in flight kept both cores of the bench host 197 % busy, 2 kept them 175–185 % (issue 20). */
  RENDER_CONCURRENCY: positiveInt(2 * availableParallelism()),
  /** Estimated working sets of the renders in flight, added up (origin/transform/render-cost.ts). */
  RENDER_MEMORY_MB: positiveInt(512),
  RENDER_QUEUE: z.coerce.number().int().min(0).default(64),
  RENDER_TIMEOUT_MS: positiveInt(30_000),
  /**
   * A cold f_auto whose chosen format is estimated to encode longer than this is answered in the
   * fast format first (0: always; a huge value: never).
   */
  FAST_FIRST_MS: z.coerce.number().int().min(0).default(300),
  MEMORY_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
  VARIANT_TTL_DAYS: z.coerce.number().positive().default(7),
  UPLOAD_EXPIRY_HOURS: z.coerce.number().positive().default(24),
  STATS_FLUSH_MS: z.coerce.number().int().min(100).default(5_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  CLOUDFLARE_ZONE_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/, 'must be the zone id (letters and digits)')
    .optional(),
  CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
  CLOUDFLARE_API_URL: z.url().default('https://api.cloudflare.com/client/v4'),
  PRESETS_FILE: z.string().min(1).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  LOG_ACCESS: boolean.default(true),
  LADDER_SIZES: ladderSizes.default([1600]),
  CONSOLE_DIR: z.string().min(1).default('console/dist'),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 366)
    .default(12),
  ROLES: list.pipe(z.array(z.enum(['all', ...roleNames])).min(1, 'name at least one role')).default(['all']),
});

export type Env = z.input<typeof envSchema>;

/** Every variable the configuration reads (AWS_* credentials are read by the AWS SDK itself). */
export const configKeys: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  storageUrl: string;
  /**
   * `connectMs`: opening a connection to S3; `idleMs`: a request on which no byte moves either
   * way for this long fails (a silent endpoint), while a slow but moving transfer is never cut.
   */
  s3: { endpoint: string | undefined; region: string; forcePathStyle: boolean; connectMs: number; idleMs: number };
  databaseUrl: string;
  /** PostgreSQL: statement_timeout (the client waits 1 s more for an answer), and the connection timeout. */
  databaseTimeouts: { queryMs: number; connectMs: number };
  redisUrl: string | undefined;
  /** The origin's own Redis connections: a command fails (503) and a silent connection is replaced after this. */
  redisCommandTimeoutMs: number;
  queuePrefix: string;
  /** Jobs one `npm run worker` process renders at once. */
  workerConcurrency: number;
  /** Port of the worker's `GET /metrics` (0: any free port). */
  workerMetricsPort: number;
  /** How long a killed worker's job stays locked before another worker takes it over. */
  workerLockMs: number;
  /** API key -> tenant; undefined means open mode with the single tenant `default`. */
  apiKeys: Map<string, string> | undefined;
  /** Admin key -> name: `/v1/admin/*` only (every tenant's statistics). Empty when unset. */
  adminKeys: Map<string, string>;
  /** Shared with the edge Worker: authenticates its counters (POST /v1/edge-stats); unset, they are refused. */
  edgeStatsSecret: string | undefined;
  signingKeys: string[];
  signedUrls: 'off' | 'required';
  publicPresets: string[];
  maxUploadBytes: number;
  /**
   * Request bodies: 408 `request_timeout` once a body the server is reading sends nothing for
   * `idleMs`, or a single upload (`POST /v1/images`) has not arrived whole within `uploadMs`.
   */
  bodyTimeouts: { idleMs: number; uploadMs: number };
  /**
   * Scratch files (upload temp files, storage writes) untouched for `maxAgeMs` and not in use are
   * removed at start and every `intervalMs`.
   */
  tempSweep: { maxAgeMs: number; intervalMs: number };
  maxInputPixels: number;
  /** KEEP_GPS: store the EXIF GPS position read at ingest (default: dropped). */
  keepGps: boolean;
  /** NEAR_DUPLICATE_DISTANCE: Hamming distance of perceptual hashes within which an upload lists (or refuses) the tenant's images. */
  nearDuplicateDistance: number;
  /** MAX_SVG_BYTES (413 beyond) and MAX_SVG_ELEMENTS (422 beyond), applied when sanitising. */
  svgLimits: { maxBytes: number; maxElements: number };
  /** SVG_WORKERS: worker threads that sanitise SVG, off the event loop. */
  svgWorkers: number;
  maxOutputDimension: number;
  /** Output canvas after dpr, pad and crop, width × height × frames. */
  maxOutputPixels: number;
  /** JPEG_PROGRESSIVE: JPEG outputs are progressive by default (`fl_progressive` on every URL). */
  jpegProgressive: boolean;
  /** AUTO_WIDTH_STEP: a `w_auto` width hint is rounded up to a multiple of it (core/client-hints.ts). */
  autoWidthStep: number;
  renderConcurrency: number;
  /** Memory budget of the renders in flight, by their estimates (RENDER_MEMORY_MB). */
  renderMemoryBytes: number;
  renderQueue: number;
  renderTimeoutMs: number;
  /** FAST_FIRST_MS: the estimated encode past which a cold f_auto gets the fast format first (origin/transform/fast-first.ts). */
  fastFirstMs: number;
  memoryCacheBytes: number;
  variantTtlDays: number;
  uploadExpiryHours: number;
  /** How often render and delivery counts are added to the catalog (and always at shutdown). */
  statsFlushMs: number;
  /** Requests a minute per API key (per tenant in open mode) on /v1/*; undefined: no limit. */
  rateLimitPerMinute: number | undefined;
  /** Purge deleted images from Cloudflare's cache by tag; undefined unless zone and token are set. */
  cloudflarePurge: { apiUrl: string; zoneId: string; apiToken: string } | undefined;
  presetsFile: string | undefined;
  /** Bearer token `GET /metrics` requires; undefined: open. */
  metricsToken: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** One `request` line per HTTP request and one `job` line per variant job (at info). */
  logAccess: boolean;
  /** Mezzanine sides of the render ladder, ascending; empty: no ladder (origin/ladder/). */
  ladderSizes: number[];
  /** The routes this process serves (SPEC section 8, Roles); `all` expands to every role. */
  roles: ReadonlySet<Role>;
  /** The built web console served at /console/ (`npm run console:build` writes it). */
  consoleDir: string;
  /** How long a console session (POST /v1/sessions) stays valid. */
  sessionTtlHours: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment; throws ConfigError with one line per problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`));
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const problems: string[] = [];
  if (e.SIGNED_URLS === 'required' && !e.SIGNING_KEYS?.length) problems.push('SIGNING_KEYS: required when SIGNED_URLS=required');
  if ((e.CLOUDFLARE_ZONE_ID === undefined) !== (e.CLOUDFLARE_API_TOKEN === undefined)) {
    problems.push('CLOUDFLARE_ZONE_ID, CLOUDFLARE_API_TOKEN: set both to purge the edge cache on delete, or neither');
  }
  for (const key of e.ADMIN_KEYS?.keys() ?? []) {
    if (e.API_KEYS?.has(key)) problems.push(`ADMIN_KEYS: the key of admin "${e.ADMIN_KEYS?.get(key) ?? ''}" is also in API_KEYS`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    storageUrl: e.STORAGE_URL ?? pathToFileURL(resolve(dataDir, 'objects')).href,
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
      connectMs: e.S3_CONNECT_TIMEOUT_MS,
      idleMs: e.S3_REQUEST_TIMEOUT_MS,
    },
    databaseUrl: e.DATABASE_URL ?? `sqlite://${resolve(dataDir, 'catalog.db')}`,
    databaseTimeouts: { queryMs: e.DATABASE_QUERY_TIMEOUT_MS, connectMs: e.DATABASE_CONNECT_TIMEOUT_MS },
    redisUrl: e.REDIS_URL,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    queuePrefix: e.QUEUE_PREFIX,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    workerLockMs: e.WORKER_LOCK_MS,
    apiKeys: e.API_KEYS,
    adminKeys: e.ADMIN_KEYS ?? new Map<string, string>(),
    edgeStatsSecret: e.EDGE_STATS_SECRET,
    signingKeys: e.SIGNING_KEYS ?? [],
    signedUrls: e.SIGNED_URLS,
    publicPresets: e.PUBLIC_PRESETS,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    bodyTimeouts: { idleMs: e.BODY_IDLE_TIMEOUT_MS, uploadMs: e.UPLOAD_TIMEOUT_MS },
    tempSweep: { maxAgeMs: e.TEMP_MAX_AGE_MS, intervalMs: e.TEMP_SWEEP_INTERVAL_MS },
    maxInputPixels: e.MAX_INPUT_PIXELS,
    keepGps: e.KEEP_GPS,
    nearDuplicateDistance: e.NEAR_DUPLICATE_DISTANCE,
    svgLimits: { maxBytes: e.MAX_SVG_BYTES, maxElements: e.MAX_SVG_ELEMENTS },
    svgWorkers: e.SVG_WORKERS,
    maxOutputDimension: e.MAX_OUTPUT_DIMENSION,
    maxOutputPixels: e.MAX_OUTPUT_PIXELS,
    jpegProgressive: e.JPEG_PROGRESSIVE,
    autoWidthStep: e.AUTO_WIDTH_STEP,
    renderConcurrency: e.RENDER_CONCURRENCY,
    renderMemoryBytes: e.RENDER_MEMORY_MB * 1024 * 1024,
    renderQueue: e.RENDER_QUEUE,
    renderTimeoutMs: e.RENDER_TIMEOUT_MS,
    fastFirstMs: e.FAST_FIRST_MS,
    memoryCacheBytes: e.MEMORY_CACHE_BYTES,
    variantTtlDays: e.VARIANT_TTL_DAYS,
    uploadExpiryHours: e.UPLOAD_EXPIRY_HOURS,
    statsFlushMs: e.STATS_FLUSH_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    cloudflarePurge:
      e.CLOUDFLARE_ZONE_ID === undefined || e.CLOUDFLARE_API_TOKEN === undefined
        ? undefined
        : { apiUrl: e.CLOUDFLARE_API_URL, zoneId: e.CLOUDFLARE_ZONE_ID, apiToken: e.CLOUDFLARE_API_TOKEN },
    presetsFile: e.PRESETS_FILE,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    logAccess: e.LOG_ACCESS,
    ladderSizes: e.LADDER_SIZES,
    roles: new Set(e.ROLES.includes('all') ? roleNames : e.ROLES.filter((role) => role !== 'all')),
    consoleDir: resolve(e.CONSOLE_DIR),
    sessionTtlHours: e.SESSION_TTL_HOURS,
  };
}
