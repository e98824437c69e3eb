import { createHash, timingSafeEqual } from 'node:crypto';
import type { Handler } from 'hono';
import { fail } from '../../core/errors.ts';
import { parseJsonBody, readJsonBody } from '../http/request-body.ts';
import type { Services } from '../services.ts';
import { edgeStatsBodySchema } from './api-schema.ts';

const maxBodyBytes = 4 * 1024 * 1024;
const idsPerQuery = 500;
const digest = (secret: string) => createHash('sha256').update(secret).digest();

/**
 * `POST /v1/edge-stats`: the edge Worker's hit and miss counters per image, day, format and preset
 * (edge/edge-stats.ts), sent with `Authorization: Bearer <EDGE_STATS_SECRET>` (compared as SHA-256
 * digests in constant time). Each row is attributed to the image's owner here and written to the
 * usage counters before the answer; rows of images the catalog no longer holds are dropped.
 */
export function edgeStatsRoute(services: Services): Handler {
  const secret = services.config.edgeStatsSecret;
  const expected = secret === undefined ? undefined : digest(secret);
  return async function receiveEdgeStats(c) {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (expected === undefined) throw fail('unauthorized', 'edge statistics are off: EDGE_STATS_SECRET is not set');
    if (!match || !timingSafeEqual(digest(match[1] as string), expected))
      throw fail('unauthorized', 'send Authorization: Bearer <EDGE_STATS_SECRET>');
    const body = parseJsonBody(
      edgeStatsBodySchema,
      await readJsonBody(c, maxBodyBytes, services.config.bodyTimeouts),
      '{ "counts": [{ id, day, format, preset, hits, hitBytes, misses }] }',
    );
    const owners = await ownersOf(services.db, [...new Set(body.counts.map((row) => row.id))]);
    const rows = body.counts.flatMap((row) => {
      const tenant = owners.get(row.id);
      return tenant === undefined ? [] : [{ ...row, tenant, imageId: row.id, preset: row.preset ?? undefined }];
    });
    // Stored before the 202: the Worker forgets what was accepted, and resends all of a failed (503) send.
    await services.usage.recordEdge(rows);
    return c.json({ accepted: rows.length, unknown: body.counts.length - rows.length }, 202);
  };
}

async function ownersOf(db: Services['db'], ids: readonly string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (let start = 0; start < ids.length; start += idsPerQuery) {
    const rows = await db
      .selectFrom('images')
      .select(['id', 'tenant'])
      .where('id', 'in', ids.slice(start, start + idsPerQuery))
      .execute();
    for (const row of rows) owners.set(row.id, row.tenant);
  }
  return owners;
}
