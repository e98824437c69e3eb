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

export interface StatsDay {
  day: string;
  format: string;
  uploads: Counts;
  renders: Counts;
  deliveries: Counts;
}

export interface Stats {
  from: string;
  to: string;
  days: StatsDay[];
  totals: { uploads: Counts; renders: Counts; deliveries: Counts };
}

/** GET /v1/sessions/current: how this page is signed in. */
export interface SessionInfo {
  mode: 'open' | 'session';
  tenant: string;
  csrfToken?: string;
  expiresAt?: string;
}
