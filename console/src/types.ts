import type { components, paths } from '../../core/api-types.ts';

/**
 * The API's answers as the console reads them: the types generated from the origin's OpenAPI
 * document (core/api-types.ts, `npm run api:types`), so they cannot drift from what it returns.
 */
type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];
export type ImageObject = Schemas['ImageObject'];
export type ImagePage = Schemas['ImagePage'];
export type Preset = Schemas['PresetList']['items'][number];
export type BatchProgress = Schemas['BatchProgress'];
export type Stats = paths['/v1/stats']['get']['responses'][200]['content']['application/json'];
export type StatsRow = Stats['rows'][number];

/** GET /v1/sessions/current: how this page is signed in (a session, a bearer key, or open mode). */
export type SessionInfo = Schemas['CurrentSession'];

/** PATCH /v1/images/:id: a JSON merge patch of the image's own fields. */
export type ImagePatch = paths['/v1/images/{id}']['patch']['requestBody']['content']['application/merge-patch+json'];
export type WatermarkEntry = Schemas['WatermarkEntry'];
export type BatchSummary = Schemas['BatchSummary'];
