import type { Kysely } from 'kysely';
import { fail } from '../../core/errors.ts';
import { MAX_SIMILAR_DISTANCE, bandNeighbours, bandRadius, hammingDistance, hashBands, isPerceptualHash } from '../similarity/hamming.ts';
import type { Database } from './schema.ts';
import type { SimilarImage, SimilarOptions } from './types.ts';

/** One column per band, BAND_COUNT of them. */
const bandColumns = ['phash_b0', 'phash_b1', 'phash_b2', 'phash_b3'] as const;

/**
 * Multi-index hashing over the catalog's band indexes (tenant, phash_bN, phash, id): every row that
 * can be within maxDistance shares a band with the query up to bandRadius bits, so each band's index
 * is asked for those values (`IN`) and only the candidates' hashes come back, from the indexes
 * alone, to be measured exactly here.
 */
export async function findSimilar(db: Kysely<Database>, tenant: string, hash: string, options: SimilarOptions): Promise<SimilarImage[]> {
  const { maxDistance, limit, excludeId } = options;
  if (!isPerceptualHash(hash)) throw fail('invalid_request', 'a perceptual hash is 16 lower-case hex digits');
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > MAX_SIMILAR_DISTANCE) {
    throw fail('invalid_request', `maxDistance must be an integer from 0 to ${MAX_SIMILAR_DISTANCE}`);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw fail('invalid_request', 'limit must be an integer from 1 to 1000');
  const candidates = await candidateQuery(db, tenant, hash, maxDistance).execute();
  const found: SimilarImage[] = [];
  const seen = new Set<string>();
  for (const { id, phash } of candidates) {
    if (phash === null || id === excludeId || seen.has(id)) continue;
    seen.add(id);
    const distance = hammingDistance(hash, phash);
    if (distance <= maxDistance) found.push({ id, distance });
  }
  found.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return found.slice(0, limit);
}

/**
 * The rows sharing a band with `hash` within the radius of maxDistance: one SELECT per band, put
 * together with UNION ALL, so each reads its own covering index (tenant, band, phash, id) and no
 * table row (migration 0013). A row close in several bands comes back once per band; the caller
 * keeps it once. The bench counts and explains this query.
 */
export function candidateQuery(db: Kysely<Database>, tenant: string, hash: string, maxDistance: number) {
  const radius = bandRadius(maxDistance);
  const bands = hashBands(hash);
  const [first, ...rest] = bandColumns.map((column, index) =>
    db
      .selectFrom('images')
      .select(['id', 'phash'])
      .where('tenant', '=', tenant)
      .where(column, 'in', bandNeighbours(bands[index] ?? 0, radius)),
  );
  if (first === undefined) throw new Error('catalog: no perceptual hash bands');
  return rest.reduce((query, band) => query.unionAll(band), first);
}

/** The columns a perceptual hash is stored in: the hash and its bands. */
export function perceptualHashColumns(hash: string | null) {
  if (hash !== null && !isPerceptualHash(hash)) throw new Error(`catalog: "${hash}" is not a perceptual hash`);
  const bands = hash === null ? null : hashBands(hash);
  return {
    phash: hash,
    phash_b0: bands?.[0] ?? null,
    phash_b1: bands?.[1] ?? null,
    phash_b2: bands?.[2] ?? null,
    phash_b3: bands?.[3] ?? null,
  };
}
