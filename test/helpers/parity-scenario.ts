import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { readZip } from './batches.ts';
import { waitFor } from './wait-for.ts';

/**
 * A scripted scenario for "one or many: the same results" (issue 18): single, bulk and multipart
 * uploads, variants, a batch, a patch, a delete and the stats, run against one base URL. What it
 * records is normalised so that two runs compare with `toEqual`: every id it learns becomes a label
 * (`<image:a>`, `<upload:1>`, `<batch:1>`) wherever it appears, timestamps become `<time>`, request
 * ids `<request>`, and response bodies of images become their SHA-256.
 */

const MiB = 1024 * 1024;
type Json = Record<string, unknown>;

export interface Fixtures {
  png: Buffer;
  jpeg: Buffer;
  formPng: Buffer;
  /** Over 5 MiB, uncompressed: a multipart upload of two parts (5 MiB and the rest). */
  big: Buffer;
}

/** A deterministic pattern (no randomness), so the fixtures are the same for both runs by construction. */
function pattern(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 3;
      pixels[at] = (x * seed) & 0xff;
      pixels[at + 1] = (y * 3 + seed * 17) & 0xff;
      pixels[at + 2] = ((x ^ y) + seed * 41) & 0xff;
    }
  }
  return pixels;
}

export async function makeFixtures(): Promise<Fixtures> {
  const raw = (width: number, height: number) => ({ raw: { width, height, channels: 3 as const } });
  return {
    png: await sharp(pattern(640, 480, 1), raw(640, 480))
      .png()
      .toBuffer(),
    jpeg: await sharp(pattern(800, 600, 2), raw(800, 600))
      .jpeg({ quality: 85 })
      .toBuffer(),
    formPng: await sharp(pattern(300, 200, 3), raw(300, 200))
      .png()
      .toBuffer(),
    big: await sharp(pattern(1400, 1300, 4), raw(1400, 1300))
      .png({ compressionLevel: 0 })
      .toBuffer(),
  };
}

export interface ScenarioResult {
  /** Every step's status and normalised answer, in order. */
  steps: Array<{ step: string; status: number; body: unknown }>;
  /** `GET /v1/stats` (normalised) once `settled` accepts it. */
  stats: unknown;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Runs the scenario against `base`. `settled` decides when the stats are final: the one process
 * flushes its counts before answering, the scaled set's other replicas flush on an interval.
 */
export async function runScenario(
  base: string,
  fixtures: Fixtures,
  settled: (stats: unknown) => boolean = () => true,
): Promise<ScenarioResult> {
  const labels = new Map<string, string>();
  const steps: ScenarioResult['steps'] = [];
  const normalise = (value: unknown): unknown => {
    let text = JSON.stringify(value);
    for (const [id, label] of labels) text = text.split(id).join(label);
    text = text.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"');
    // Request ids (a problem's `instance`) are per request by design.
    return JSON.parse(text.replace(/urn:request:[\w-]+/g, 'urn:request:<request>')) as unknown;
  };
  const record = (step: string, status: number, body: unknown) =>
    steps.push({ step: String(normalise(step)), status, body: normalise(body) });

  const call = async (step: string, method: string, path: string, body?: RequestInit['body'], headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    const json = (text === '' ? {} : JSON.parse(text)) as Json;
    return { status: response.status, json, record: () => record(step, response.status, json) };
  };
  const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

  // Single uploads (raw body), one with people's metadata, then the same bytes again (dedupe).
  const uploadRaw = async (label: string, query: string, bytes: Buffer, type: string) => {
    const answer = await call(`upload ${label}`, 'POST', `/v1/images?${query}`, bytes, { 'content-type': type });
    labels.set(String(answer.json['id']), `<image:${label}>`);
    answer.record();
    return String(answer.json['id']);
  };
  const a = await uploadRaw('a', 'filename=a.png&title=Sea&tags=trip,sea', fixtures.png, 'image/png');
  const b = await uploadRaw('b', 'filename=b.jpg', fixtures.jpeg, 'image/jpeg');
  (await call('upload a again', 'POST', '/v1/images?filename=again.png', fixtures.png, { 'content-type': 'image/png' })).record();

  // A watermark (an upload-role route) and a variant that overlays it.
  (await call('watermark', 'PUT', '/v1/watermarks/logo', fixtures.formPng, { 'content-type': 'image/png' })).record();

  // A bulk form: one good image, one part that is not an image.
  const form = new FormData();
  form.append('files', new Blob([fixtures.formPng], { type: 'image/png' }), 'c.png');
  form.append('files', new Blob(['not an image'], { type: 'text/plain' }), 'notes.txt');
  const bulk = await call('bulk form', 'POST', '/v1/images', form);
  const c = String(((bulk.json['items'] as Json[])[0]?.['image'] as Json | undefined)?.['id']);
  labels.set(c, '<image:c>');
  bulk.record();

  // A multipart upload: parts sent out of order, state read back, then completed.
  const created = await call(
    'multipart create',
    'POST',
    '/v1/uploads',
    ...spread(json({ filename: 'big.png', size: fixtures.big.length })),
  );
  const uploadId = String(created.json['uploadId']);
  labels.set(uploadId, '<upload:1>');
  created.record();
  (await call('multipart part 2', 'PUT', `/v1/uploads/${uploadId}/parts/2`, fixtures.big.subarray(5 * MiB))).record();
  (await call('multipart part 1', 'PUT', `/v1/uploads/${uploadId}/parts/1`, fixtures.big.subarray(0, 5 * MiB))).record();
  (await call('multipart state', 'GET', `/v1/uploads/${uploadId}`)).record();
  const completed = await call('multipart complete', 'POST', `/v1/uploads/${uploadId}/complete`);
  const big = String(completed.json['id']);
  labels.set(big, '<image:big>');
  completed.record();

  // Variants and originals, each URL once (through an edge a repeat would be an edge hit that the
  // origin never counts), compared by status, type, ETag and the SHA-256 of the bytes.
  const deliver = async (path: string, accept?: string) => {
    const response = await fetch(`${base}${path}`, { headers: accept === undefined ? {} : { accept } });
    const bytes = Buffer.from(await response.arrayBuffer());
    record(`GET ${path} ${accept ?? ''}`.trim(), response.status, {
      type: response.headers.get('content-type'),
      etag: response.headers.get('etag'),
      sha256: response.ok ? sha256(bytes) : normalise(JSON.parse(bytes.toString()) as unknown),
    });
  };
  await deliver(`/img/${a}`);
  await deliver(`/img/${a}/w_200,f_webp`);
  await deliver(`/img/${a}/c_fill,w_120,h_120,f_avif`);
  await deliver(`/img/${b}/w_300,f_auto`, 'image/avif,image/webp,*/*');
  await deliver(`/img/${b}/w_300,f_auto`, 'image/webp,*/*');
  await deliver(`/img/${b}/c_pad,w_256,h_256,b_ffffff,f_png`);
  await deliver(`/img/${c}/w_150,e_grayscale`);
  await deliver(`/img/${a}/w_400,wm_logo:north_west:60:30,f_webp`);
  await deliver(`/img/${big}/w_640,f_jpeg,q_80`);
  await deliver(`/img/${big}/c_crop,x_100,y_100,w_300,h_200,f_webp`);

  // A batch over three images, waited for, its archive read entry by entry.
  const batch = await call(
    'batch create',
    'POST',
    '/v1/batches',
    ...spread(json({ presets: ['thumb'], transforms: ['w_100,f_png'], images: [a, b, big] })),
  );
  const batchId = String(batch.json['id']);
  labels.set(batchId, '<batch:1>');
  batch.record();
  const finished = await waitFor(
    async () => {
      const state = await call('batch finished', 'GET', `/v1/batches/${batchId}`);
      return state.json['state'] === 'completed' || state.json['state'] === 'failed' ? state : undefined;
    },
    120_000,
    `batch ${batchId}`,
  );
  finished.record();
  const archive = await fetch(`${base}/v1/batches/${batchId}/archive`);
  const entries = readZip(Buffer.from(await archive.arrayBuffer()));
  record('batch archive', archive.status, Object.fromEntries([...entries].map(([name, bytes]) => [name, sha256(bytes)])));
  await deliver(`/img/${a}/t_thumb`); // the batch's thumb, now from storage

  // A patch, the list, a delete and what is left of the deleted image.
  (await call('patch b', 'PATCH', `/v1/images/${b}`, ...spread(json({ alt: 'A pattern', tags: ['x'] })))).record();
  const list = await call('list', 'GET', '/v1/images');
  const items = (list.json['items'] as Json[]).slice().sort((x, y) => String(x['sha256']).localeCompare(String(y['sha256'])));
  record('list (by sha256)', list.status, { items, next: list.json['next'] });
  (await call('delete c', 'DELETE', `/v1/images/${c}`)).record();
  (await call('get c after delete', 'GET', `/v1/images/${c}`)).record();
  await deliver(`/img/${c}/w_64`);

  // The last answer is returned even if `settled` never accepted it, so a mismatch shows as a diff.
  let stats: unknown;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
    // By preset too: through the edge a `t_NAME` URL reaches the origin as expanded ops, and the
    // edge names the preset in X-Pixelfront-Preset so it counts under the preset as in one process.
    const answer = await call('stats', 'GET', '/v1/stats?groupBy=day,format,preset');
    stats = withoutRunDependent(normalise({ status: answer.status, rows: answer.json['rows'], totals: answer.json['totals'] }));
    if (settled(stats)) break;
  }
  return { steps, stats };
}

/**
 * The stats without what legitimately differs between the two set-ups: `renders.cpuMs` is an
 * estimate of CPU time (never the same twice), and `edge` counts what an edge reported (only the
 * scaled set has one).
 */
function withoutRunDependent(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, member: unknown) => (key === 'cpuMs' || key === 'edge' ? undefined : member))) as unknown;
}

/** `{ body, headers }` as the two trailing arguments of `call`. */
function spread(init: { body: string; headers: Record<string, string> }): [string, Record<string, string>] {
  return [init.body, init.headers];
}
