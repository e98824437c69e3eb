import type { Kysely } from 'kysely';
import type { Database } from '../catalog/schema.ts';
import type { TopReport } from './api-schema.ts';
import type { UsageTables } from './schema.ts';

/**
 * The tenant's most delivered images in a day range, by deliveries or by bytes sent, from
 * `image_delivery_counts` (origin deliveries and edge hits). Images deleted since are left out.
 */
export async function topImages(
  database: Kysely<Database>,
  tenant: string,
  range: { from: string; to: string },
  options: { by: 'deliveries' | 'bytes'; limit: number },
): Promise<TopReport> {
  const db = database.withTables<UsageTables>();
  const rows = await db
    .selectFrom('image_delivery_counts as d')
    .innerJoin('images as i', (join) => join.onRef('i.id', '=', 'd.image_id').onRef('i.tenant', '=', 'd.tenant'))
    .select(['d.image_id as id', 'i.filename', 'i.format'])
    .select((eb) => [eb.fn.sum<number>('d.count').as('count'), eb.fn.sum<number>('d.bytes').as('bytes')])
    .where('d.tenant', '=', tenant)
    .where('d.day', '>=', range.from)
    .where('d.day', '<=', range.to)
    .groupBy(['d.image_id', 'i.filename', 'i.format'])
    .orderBy(options.by === 'bytes' ? 'bytes' : 'count', 'desc')
    .orderBy('d.image_id')
    .limit(options.limit)
    .execute();
  return {
    ...range,
    by: options.by,
    // Sums arrive as numbers (SQLite) or numeric text (PostgreSQL).
    items: rows.map((row) => ({
      id: row.id,
      filename: row.filename,
      format: row.format,
      deliveries: { count: Number(row.count), bytes: Number(row.bytes) },
    })),
  };
}
