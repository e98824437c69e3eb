/**
 * The Worker's bindings: `[vars]` in wrangler.toml plus the `SIGNING_KEYS` secret. Every value
 * is a string (or absent); edge/config.ts turns them into a typed EdgeConfig per request.
 */
export interface Env {
  /** Base URL of the origin, e.g. `https://origin.example.com`. */
  ORIGIN_URL?: string;
  /** Several origins, comma-separated; when set it replaces ORIGIN_URL. */
  ORIGIN_URLS?: string;
  /** Origins (comma-separated) of the `upload` role: `POST /v1/images`, watermark uploads. Default: ORIGIN_URLS. */
  ORIGIN_URL_UPLOAD?: string;
  /** Origins of the `multipart` role: `/v1/uploads*`. Default: ORIGIN_URLS. */
  ORIGIN_URL_MULTIPART?: string;
  /** Origins of the `delivery` role: `/img/*` misses. Default: ORIGIN_URLS. */
  ORIGIN_URL_DELIVERY?: string;
  /** Origins of the `api` role: the rest of `/v1` and the console. Default: ORIGIN_URLS. */
  ORIGIN_URL_API?: string;
  /** Secret: comma-separated HMAC keys; the first signs, all verify. */
  SIGNING_KEYS?: string;
  /** `off` (default) or `required`. */
  SIGNED_URLS?: string;
  /** Comma-separated preset names that stay unsigned when URLs must be signed. */
  PUBLIC_PRESETS?: string;
  /** How long to wait for the origin's response headers (default 10000). */
  ORIGIN_TIMEOUT_MS?: string;
  /** Largest output side after dpr (default 8192); must match the origin. */
  MAX_OUTPUT_DIMENSION?: string;
  /** Client-hinted widths (`w_auto`) round up to a multiple of this (default 100); must match the origin. */
  AUTO_WIDTH_STEP?: string;
  /** JSON of named presets (the origin's PRESETS_FILE content); built-in presets when unset. */
  PRESETS?: string;
  /** Secret shared with the origin: set, the Worker counts hits and misses and sends them to `POST /v1/edge-stats`. */
  EDGE_STATS_SECRET?: string;
  /** Least time between two sends of the counters (default 10000 ms). */
  EDGE_STATS_FLUSH_MS?: string;
}

/** Hono's environment type for the edge app. */
export interface EdgeBindings {
  Bindings: Env;
  Variables: {
    /** X-Request-Id of this request: the client's, or one the edge made (core/request-id.ts). */
    requestId: string;
  };
}
