/** The API's answers as the console reads them (README, HTTP API). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

/** The image object exactly as the origin builds it (a type-only import: nothing of the origin is bundled). */
export type { ImageObject } from '../../origin/ingest/image-object.ts';

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Preset {
  name: string;
  ops: string;
}

export interface BatchProgress {
  id: string;
  state: 'queued' | 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  failed: number;
  errors: { image: string; name: string; code: string; detail: string }[];
  createdAt: string;
}

export interface Counts {
  count: number;
  bytes: number;
}

/** GET /v1/stats as the origin's zod schema types it (a type-only import, like ImageObject). */
export type { StatsReport as Stats, StatsRow } from '../../origin/stats/api-schema.ts';

/** GET /v1/sessions/current: how this page is signed in. */
export interface SessionInfo {
  mode: 'open' | 'session';
  tenant: string;
  csrfToken?: string;
  expiresAt?: string;
}
